using Akka.Actor;
using Akka.Dispatch;
using Akka.TestKit.Xunit2;
using Pipeline.Actors.Sensors;

namespace Pipeline.Tests.Actors.Sensors;

/// <summary>The sensors' small mailbox keeps Akka's promises: order, the stash's messages first, dead letters at the end.</summary>
public sealed class SensorMailboxSpecs() : TestKit(SensorMailbox.Hocon)
{
    private static Envelope Letter(string text) => new(text, ActorRefs.NoSender);

    private static List<object> Drain(SensorMessageQueue queue)
    {
        var taken = new List<object>();
        while (queue.TryDequeue(out var envelope))
        {
            taken.Add(envelope.Message);
        }

        return taken;
    }

    [Fact]
    public void Should_deliver_in_order_with_the_messages_put_back_from_the_stash_first()
    {
        var queue = new SensorMessageQueue();
        queue.Enqueue(ActorRefs.Nobody, Letter("a"));
        queue.Enqueue(ActorRefs.Nobody, Letter("b"));
        queue.Enqueue(ActorRefs.Nobody, Letter("c"));
        queue.TryDequeue(out var first);
        // The stash held x then y: it puts them back last to first.
        queue.EnqueueFirst(Letter("y"));
        queue.EnqueueFirst(Letter("x"));

        var count = queue.Count;
        var rest = Drain(queue);

        Assert.Equal("a", first.Message);
        Assert.Equal(4, count);
        Assert.Equal(["x", "y", "b", "c"], rest);
        Assert.False(queue.HasMessages);
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public void Should_hand_what_is_left_to_dead_letters_when_its_actor_stops()
    {
        var queue = new SensorMessageQueue();
        var deadLetters = new SensorMessageQueue();
        queue.Enqueue(ActorRefs.Nobody, Letter("a"));
        queue.EnqueueFirst(Letter("stashed"));

        queue.CleanUp(ActorRefs.Nobody, deadLetters);

        Assert.False(queue.HasMessages);
        Assert.Equal(["stashed", "a"], Drain(deadLetters));
    }

    [Fact]
    public void Should_serve_an_actor_that_stashes()
    {
        // Akka checks that a stashing actor's mailbox can put messages back first; the default one could, this must too.
        var actor = Sys.ActorOf(Props.Create(() => new Gate(TestActor)).WithMailbox(SensorMailbox.Id));

        foreach (var message in new[] { "1", "2", "open", "3" })
        {
            actor.Tell(message);
        }

        ExpectMsg("1");
        ExpectMsg("2");
        ExpectMsg("3");
    }

    /// <summary>Stashes everything until "open", then passes it on in order.</summary>
    private sealed class Gate : UntypedActor, IWithStash
    {
        private readonly IActorRef _to;

        public Gate(IActorRef to) => _to = to;

        public IStash Stash { get; set; } = null!;

        protected override void OnReceive(object message)
        {
            if (message is "open")
            {
                Become(m => _to.Tell(m));
                Stash.UnstashAll();
                return;
            }

            Stash.Stash();
        }
    }
}
