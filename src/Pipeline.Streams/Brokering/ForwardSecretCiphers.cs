using System.Net.Security;

namespace Pipeline.Streams.Brokering;

/// <summary>
/// The cipher suites both brokers offer: TLS 1.3's (all forward secret) and TLS 1.2's ECDHE suites with AEAD ciphers —
/// no static-RSA key exchange, whose recorded traffic a later stolen server key would decrypt. mbedTLS on an ESP32
/// speaks ECDHE-ECDSA/RSA-AES-GCM. <see cref="OpenSsl"/> is the same TLS 1.2 list in OpenSSL's names, for Mosquitto.
/// </summary>
public static class ForwardSecretCiphers
{
    private static readonly TlsCipherSuite[] Suites =
    [
        TlsCipherSuite.TLS_AES_128_GCM_SHA256,
        TlsCipherSuite.TLS_AES_256_GCM_SHA384,
        TlsCipherSuite.TLS_CHACHA20_POLY1305_SHA256,
        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        TlsCipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    ];

    public const string OpenSsl =
        "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:" +
        "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

    /// <summary>Null where the platform cannot restrict suites (Windows): its defaults apply there.</summary>
    public static CipherSuitesPolicy? Policy { get; } = OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() ? new CipherSuitesPolicy(Suites) : null;
}
