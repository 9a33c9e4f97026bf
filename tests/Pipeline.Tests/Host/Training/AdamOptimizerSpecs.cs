using Pipeline.Host.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Tests.Host.Training;

public sealed class AdamOptimizerSpecs
{
    [Fact]
    public void Should_step_as_torchsharps_adam_does_to_the_bit_so_that_a_seed_trains_the_weights_it_trained_before()
    {
        var (start, theirs) = Train(mine: false);
        var (_, ours) = Train(mine: true);

        Assert.Equal(theirs, ours);
        Assert.NotEqual(start, ours); // it moved them
    }

    private static (float[] Start, float[] End) Train(bool mine)
    {
        var (module, input, target) = TorchRandom.Seeded(11, () => (nn.Linear(6, 3), randn(32, 6), randn(32, 3)));
        using var disposeModule = module;
        using var disposeInput = input;
        using var disposeTarget = target;
        var start = Weights(module);
        using var ours = mine ? new AdamOptimizer(module.parameters(), 0.01) : null;
        using var theirs = mine ? null : optim.Adam(module.parameters(), 0.01);
        for (var step = 0; step < 50; step++)
        {
            using var scope = NewDisposeScope();
            module.zero_grad();
            nn.functional.mse_loss(module.call(input), target).backward();
            if (ours is not null)
            {
                ours.Step();
            }
            else
            {
                theirs!.step();
            }
        }

        return (start, Weights(module));
    }

    private static float[] Weights(nn.Module module) => [.. module.parameters().SelectMany(p => p.data<float>().ToArray())];
}
