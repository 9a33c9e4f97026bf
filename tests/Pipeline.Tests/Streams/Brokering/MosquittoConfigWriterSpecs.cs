using Pipeline.Models.Security;
using Pipeline.Streams.Brokering;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Streams.Brokering;

public sealed class MosquittoConfigWriterSpecs : IDisposable
{
    private readonly TestPki _pki = new(KeyAlgorithm.EcdsaP256); // ECDSA keys: quick to make, and the key type does not matter here

    [Fact]
    public void Should_write_an_mtls_listener_with_crl_identity_persistence_and_sized_queues()
    {
        var (config, _) = MosquittoConfigWriter.Write(new MosquittoConfigOptions
        {
            CertsDirectory = _pki.CertsDirectory,
            OutDirectory = _pki.Scratch("out"),
            Port = 18883,
            BindAddress = "10.0.0.2",
            MaxQueuedMessages = 250_000,
            MaxConnections = 300,
        });

        var lines = File.ReadAllLines(config);
        string[] expected =
        [
            "listener 18883 10.0.0.2",
            $"cafile {_pki.Folder.CaCertificate}",
            $"certfile {_pki.Folder.ServerCertificate}",
            $"keyfile {_pki.Folder.ServerKey}",
            $"crlfile {_pki.Folder.RevocationList}",
            "tls_version tlsv1.2",
            "require_certificate true",
            "use_identity_as_username true",
            "use_username_as_clientid true",
            "allow_anonymous false",
            "persistence true",
            "autosave_on_changes true", // #15: a killed broker keeps what it acknowledged (BrokerCrashSpecs)
            "autosave_interval 1",
            "max_queued_messages 250000",
            "set_tcp_nodelay true",
            "max_connections 300",
            $"ciphers {ForwardSecretCiphers.OpenSsl}",
        ];
        foreach (var line in expected)
        {
            Assert.Contains(line, lines);
        }
    }

    [Fact]
    public void Should_refuse_what_mosquitto_would_refuse_naming_each_flag_and_write_nothing()
    {
        var refused = Assert.Throws<ArgumentException>(() => MosquittoConfigWriter.Write(new MosquittoConfigOptions
        {
            CertsDirectory = _pki.CertsDirectory,
            OutDirectory = _pki.Scratch("out"),
            Port = 70_000,
            MaxQueuedMessages = -5,
            MaxConnections = 0,
        }));

        Assert.Equal(
            ["--port is 70000; it must be between 1 and 65535", "--max-queued is -5; it must be between 1 and 2147483647", "--max-connections is 0; it must be between 1 and 2147483647"],
            refused.Message.Split(Environment.NewLine));
        Assert.False(Directory.Exists(_pki.Scratch("out")));
    }

    [Fact]
    public void Should_refuse_a_value_that_would_break_its_line_of_mosquitto_conf_into_settings_of_its_own()
    {
        var refused = Assert.Throws<ArgumentException>(() => MosquittoConfigWriter.Write(new MosquittoConfigOptions
        {
            CertsDirectory = _pki.CertsDirectory,
            OutDirectory = _pki.Scratch("out"),
            LogFile = "/var/log/mosquitto.log\nallow_anonymous true",
            PersistenceDirectory = "/var/lib/mosquitto/\r",
            RunAsUser = "mos quitto",
        }));

        Assert.Equal(
        [
            "--data '/var/lib/mosquitto/\\n' holds a line break or another control character; each setting of mosquitto.conf is one line",
            "--log '/var/log/mosquitto.log\\nallow_anonymous true' holds a line break or another control character; each setting of mosquitto.conf is one line",
            "--user 'mos quitto' is not a user name",
        ], refused.Message.Split(Environment.NewLine));
        Assert.False(Directory.Exists(_pki.Scratch("out")));
    }

    [Fact]
    public void Should_render_the_acl_from_the_roles_in_the_certificates()
    {
        var (_, acl) = MosquittoConfigWriter.Write(new MosquittoConfigOptions
        {
            CertsDirectory = _pki.CertsDirectory,
            OutDirectory = _pki.Scratch("out"),
        });

        var text = File.ReadAllText(acl);
        Assert.Contains("pattern write pipeline/%u/telemetry", text, StringComparison.Ordinal);
        Assert.Contains("user node\ntopic read pipeline/+/telemetry\n", text, StringComparison.Ordinal);
        Assert.Contains("topic write pipeline/status/node\n", text, StringComparison.Ordinal);
        Assert.Contains("user nodered\ntopic read pipeline/alarms/#\n", text, StringComparison.Ordinal);
        Assert.Contains("topic write pipeline/commands/ack\ntopic write pipeline/commands/shelve\n", text, StringComparison.Ordinal);
        var scada = text[text.IndexOf("user nodered\n", StringComparison.Ordinal)..];
        scada = scada.Contains("\n\n", StringComparison.Ordinal) ? scada[..scada.IndexOf("\n\n", StringComparison.Ordinal)] : scada;
        Assert.DoesNotContain("pipeline/commands/#", scada, StringComparison.Ordinal);
        Assert.Contains("topic read pipeline/replies/nodered", scada, StringComparison.Ordinal);
        Assert.DoesNotContain("user esp32-01", text, StringComparison.Ordinal);
    }

    public void Dispose() => _pki.Dispose();
}
