using Pipeline.Models.Security;
using Pipeline.Streams.Brokering;
using Pipeline.Streams.Connecting;
using Pipeline.Tests.Support;

namespace Pipeline.Tests.Models.Security;

/// <summary>Every component that loads a private key refuses one that group or others can read, naming file and fix.</summary>
public sealed class PrivateKeyFileSpecs : IDisposable
{
    private readonly TestPki _pki = new(KeyAlgorithm.EcdsaP256); // ECDSA keys: quick to make, and the key type does not matter here

    [Fact]
    public void Should_write_keys_owner_only()
    {
        var path = _pki.Scratch("some.key");

        PrivateKeyFile.Write(path, "-----BEGIN PRIVATE KEY-----\n");

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Theory]
    [InlineData(UnixFileMode.OtherRead)]
    [InlineData(UnixFileMode.GroupRead)]
    [InlineData(UnixFileMode.GroupWrite)]
    public void Should_refuse_a_key_group_or_others_can_access_with_the_file_and_the_fix(UnixFileMode extra)
    {
        var key = _pki.Folder.Key(TestPki.Device1);
        File.SetUnixFileMode(key, PrivateKeyFile.OwnerOnly | extra);

        var refused = Assert.Throws<InsecurePrivateKeyException>(() => PrivateKeyFile.Read(key));

        Assert.Equal(key, refused.Path);
        Assert.Contains($"chmod 600 '{key}'", refused.Message, StringComparison.Ordinal);
        Assert.Contains("too open", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_refuse_a_world_readable_client_key_when_building_mqtt_options()
    {
        File.SetUnixFileMode(_pki.Folder.Key(TestPki.Device1), PrivateKeyFile.OwnerOnly | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var refused = Assert.Throws<InsecurePrivateKeyException>(() =>
            MutualTlsClientOptions.For(new BrokerEndpoint("127.0.0.1", 8883), _pki.CertsDirectory, TestPki.Device1));

        Assert.Contains("Permissions 0644", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_refuse_a_world_readable_server_key_in_the_embedded_broker()
    {
        File.SetUnixFileMode(_pki.Folder.ServerKey, PrivateKeyFile.OwnerOnly | UnixFileMode.OtherRead);

        await Assert.ThrowsAsync<InsecurePrivateKeyException>(() => EmbeddedBroker.StartAsync(
            new EmbeddedBrokerOptions { CertsDirectory = _pki.CertsDirectory, BindAddress = "127.0.0.1", Port = FreePort.Next() },
            new TestLogger()));
    }

    [Fact]
    public void Should_refuse_a_world_readable_server_key_when_writing_the_mosquitto_config()
    {
        File.SetUnixFileMode(_pki.Folder.ServerKey, PrivateKeyFile.OwnerOnly | UnixFileMode.OtherRead);

        Assert.Throws<InsecurePrivateKeyException>(() => MosquittoConfigWriter.Write(new MosquittoConfigOptions
        {
            CertsDirectory = _pki.CertsDirectory,
            OutDirectory = _pki.Scratch("mosquitto"),
        }));
    }

    [Fact]
    public void Should_refuse_a_world_readable_ca_key_when_issuing()
    {
        File.SetUnixFileMode(_pki.Folder.CaKey, PrivateKeyFile.OwnerOnly | UnixFileMode.OtherRead);

        Assert.Throws<InsecurePrivateKeyException>(() => CertificateAuthority.Open(_pki.CertsDirectory));
    }

    public void Dispose() => _pki.Dispose();
}
