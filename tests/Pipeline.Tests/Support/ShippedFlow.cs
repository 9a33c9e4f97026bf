using System.Globalization;
using Pipeline.Streams.Connecting;

namespace Pipeline.Tests.Support;

/// <summary>The shipped Node-RED flow (deploy/node-red/flow.json) in a real Node-RED 4 from .tools/ (test.sh installs it), as the scada identity.</summary>
public static class ShippedFlow
{
    public static NodeProcess Start(TestPki pki, BrokerEndpoint broker, int port)
    {
        var root = Repository.Root;
        var userDir = pki.Scratch("node-red");
        Directory.CreateDirectory(userDir);
        File.Copy(Path.Combine(root, "deploy", "node-red", "flow.json"), Path.Combine(userDir, "flows.json"));
        var folder = pki.Folder;
        return NodeProcess.Start("node",
            [Path.Combine(root, ".tools", "node-red", "node_modules", "node-red", "red.js"), "-u", userDir, "-p", port.ToString(CultureInfo.InvariantCulture), "flows.json"],
            new Dictionary<string, string>
            {
                ["PIPELINE_BROKER_HOST"] = broker.Host,
                ["PIPELINE_BROKER_PORT"] = broker.Port.ToString(CultureInfo.InvariantCulture),
                ["PIPELINE_SCADA_ID"] = TestPki.Scada,
                ["PIPELINE_CA"] = folder.CaCertificate,
                ["PIPELINE_CERT"] = folder.Certificate(TestPki.Scada),
                ["PIPELINE_KEY"] = folder.Key(TestPki.Scada),
            });
    }
}
