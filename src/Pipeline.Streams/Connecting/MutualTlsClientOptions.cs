using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using MQTTnet;
using MQTTnet.Formatter;
using Pipeline.Models.Security;

namespace Pipeline.Streams.Connecting;

/// <summary>
/// MQTT client options for one identity of a PKI folder: its certificate and key as the client certificate, the
/// broker's chain checked against our CA only (not the OS store), TLS 1.2 or newer, MQTT 5, client id = identity.
/// </summary>
public static class MutualTlsClientOptions
{
    public static MqttClientOptionsBuilder For(BrokerEndpoint broker, string certsDirectory, string identity)
    {
        ArgumentNullException.ThrowIfNull(broker);
        ArgumentException.ThrowIfNullOrEmpty(certsDirectory);
        IdentityName.EnsureValid(identity);
        var folder = new PkiFolder(certsDirectory);
        return For(broker, LoadClientCertificate(folder, identity), LoadCa(folder), identity);
    }

    public static MqttClientOptionsBuilder For(BrokerEndpoint broker, X509Certificate2 clientCertificate, X509Certificate2 ca, string clientId)
    {
        ArgumentNullException.ThrowIfNull(broker);
        ArgumentNullException.ThrowIfNull(clientCertificate);
        ArgumentNullException.ThrowIfNull(ca);
        return new MqttClientOptionsBuilder()
            .WithTcpServer(broker.Host, broker.Port)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithClientId(clientId)
            .WithTimeout(TimeSpan.FromSeconds(10))
            .WithTlsOptions(tls => tls
                .UseTls()
                .WithTargetHost(broker.Host)
                .WithSslProtocols(SslProtocols.Tls12 | SslProtocols.Tls13)
                .WithClientCertificates([clientCertificate])
                .WithTrustChain([ca])
                // Our CA publishes a CRL file, not a distribution point; the broker checks clients, we check the chain.
                .WithRevocationMode(X509RevocationMode.NoCheck));
    }

    /// <summary>Loads <c>NAME.crt</c> with <c>NAME.key</c>; refuses a key that group or others can read.</summary>
    public static X509Certificate2 LoadClientCertificate(PkiFolder folder, string identity)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var certificatePath = folder.Certificate(identity);
        if (!File.Exists(certificatePath))
        {
            throw new FileNotFoundException(
                $"No certificate for '{identity}' in '{folder.Directory}'. Issue one with 'pipeline certs issue {identity} --dir {folder.Directory}'.",
                certificatePath);
        }

        return X509Certificate2.CreateFromPem(File.ReadAllText(certificatePath), PrivateKeyFile.Read(folder.Key(identity)));
    }

    public static X509Certificate2 LoadCa(PkiFolder folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        if (!File.Exists(folder.CaCertificate))
        {
            throw new FileNotFoundException(
                $"No CA certificate in '{folder.Directory}'. Create the PKI with 'pipeline certs init --dir {folder.Directory}'.",
                folder.CaCertificate);
        }

        return X509CertificateLoader.LoadCertificateFromFile(folder.CaCertificate);
    }

    /// <summary>
    /// The optional password layer (docs/mqtt.md): the identity's name as user name and the password kept in
    /// <paramref name="passwordFile"/> (its first line). Without a file nothing is added.
    /// </summary>
    public static MqttClientOptionsBuilder WithPasswordFrom(this MqttClientOptionsBuilder builder, string identity, string? passwordFile)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (string.IsNullOrEmpty(passwordFile))
        {
            return builder;
        }

        var password = File.ReadLines(passwordFile).FirstOrDefault()?.TrimEnd('\r')
            ?? throw new InvalidDataException($"{passwordFile} is empty; it should hold {identity}'s password on its first line");
        return builder.WithCredentials(identity, password);
    }
}
