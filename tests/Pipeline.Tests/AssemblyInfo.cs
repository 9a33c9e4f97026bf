// The specs run real Mosquitto and openssl processes and check Unix file modes: Linux (and the Pi) only.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
