using System.CommandLine;

namespace Pipeline.Host.Cli;

/// <summary>The <c>pipeline</c> command and its subcommands.</summary>
internal static class PipelineCommand
{
    public static RootCommand Create()
    {
        var root = new RootCommand("Pipeline: an edge node for industrial pipeline monitoring (MQTT mTLS, Akka.NET, LSTM).")
        {
            CertsCommand.Create(),
            BrokerCommand.Create(),
            RunCommand.Create(),
            SensorsCommand.Create(),
            AlarmsCommand.Create(),
            ModelCommand.Create(),
            DemoCommand.Create(),
            SimulateCommand.Create(),
        };
        foreach (var command in ModelCommands.Create())
        {
            root.Subcommands.Add(command);
        }

        return root;
    }
}
