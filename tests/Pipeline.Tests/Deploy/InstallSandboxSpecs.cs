using System.Diagnostics;
using Pipeline.Tests.Support;
using Xunit.Abstractions;

namespace Pipeline.Tests.Deploy;

/// <summary>
/// #20: deploy/install.sh and deploy/README.md followed line by line on this machine, as far as it can without systemd
/// as PID 1: in a mount and network namespace whose /etc, /opt and /var/lib are overlays (the script writes into the
/// overlays, never into this machine), with apt-get and systemctl recording what they were asked. Then what systemd
/// would do with the installed units: Mosquitto with the generated config, the node as its own user with the unit's
/// command line, working directory and state directory; a device added as deploy/README.md says publishes, the node
/// stores and judges, and stops cleanly on SIGTERM.
/// </summary>
[Trait("Category", "Process")]
public sealed class InstallSandboxSpecs(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _work = new("pipeline-install");

    /// <summary>$1: the scratch folder; $2: the bundle to install; $3: the .NET installation; $4: deploy/.</summary>
    private const string Machine = """
        set -eu
        scratch="$1"; bundle="$2"; dotnet="$3"; deploy="$4"
        mount --make-rprivate /
        for d in etc opt var/lib; do
          name=$(echo "$d" | tr / _)
          mkdir -p "$scratch/upper/$name" "$scratch/work/$name" "/$d"
          mount -t overlay overlay -o "lowerdir=/$d,upperdir=$scratch/upper/$name,workdir=$scratch/work/$name" "/$d"
        done
        ip link set lo up
        # apt-get and systemctl only say what they were asked: the packages are there (test.sh), systemd is not PID 1.
        mkdir -p "$scratch/bin"
        for tool in apt-get systemctl; do
          printf '#!/bin/sh\necho "%s $*" >> %s/asked\n' "$tool" "$scratch" > "$scratch/bin/$tool"
          chmod +x "$scratch/bin/$tool"
        done
        mkdir -p /opt/dotnet && mount --bind "$dotnet" /opt/dotnet
        export PATH="$scratch/bin:/opt/dotnet:/usr/sbin:/usr/bin:/sbin:/bin" DOTNET_ROOT=/opt/dotnet DOTNET_CLI_TELEMETRY_OPTOUT=1

        echo "== sudo ./deploy/install.sh BUNDLE"
        bash "$deploy/install.sh" "$bundle"

        echo "== what systemd does with the units"
        unit=/etc/systemd/system/pipeline.service
        exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
        workdir=$(sed -n 's/^WorkingDirectory=//p' "$unit")
        mosquitto_start=$(sed -n 's/^ExecStart=\(.\+\)/\1/p' /etc/systemd/system/mosquitto.service.d/pipeline.conf)
        install -d -m 0700 -o pipeline -g pipeline "$workdir"    # StateDirectory=pipeline, StateDirectoryMode=0700
        $mosquitto_start > "$scratch/mosquitto.out" 2>&1 &
        mosquitto=$!
        for i in $(seq 1 50); do (echo > /dev/tcp/127.0.0.1/8883) 2>/dev/null && break; sleep 0.2; done
        # User=pipeline, NoNewPrivileges, the unit's Environment= lines; exec, so that SIGTERM reaches the node itself.
        as_pipeline="setpriv --reuid=$(id -u pipeline) --regid=$(id -g pipeline) --init-groups --no-new-privs
          env -i PATH=/opt/dotnet:/usr/bin:/bin DOTNET_ROOT=/opt/dotnet HOME=/var/lib/pipeline DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_gcServer=0"
        (cd "$workdir" && exec $as_pipeline $exec_start > "$scratch/node.out" 2>&1) &
        node=$!
        for i in $(seq 1 150); do grep -q "Connected to" "$scratch/node.out" 2>/dev/null && break; sleep 0.2; done

        echo "== Add devices (the line install.sh prints)"
        (cd /var/lib/pipeline && $as_pipeline /opt/pipeline/pipeline sensors add esp32-01 --certs /etc/pipeline/certs --store /var/lib/pipeline/pipeline.db)
        start=$(( $(date +%s) - 200 ))
        for seq in $(seq 1 100); do
          printf '{"ts":%d000,"seq":%d,"flow":%s,"temperature":21.3,"pressure":4.2,"current":8.5}\n' $((start + seq)) "$seq" "$((120 + seq % 7))"
        done | mosquitto_pub -h 127.0.0.1 -p 8883 -V mqttv5 -q 1 -i esp32-01 -t pipeline/esp32-01/telemetry -l \
          --cafile /etc/pipeline/certs/ca.crt --cert /etc/pipeline/certs/esp32-01.crt --key /etc/pipeline/certs/esp32-01.key
        for i in $(seq 1 300); do
          verdicts=$(sqlite3 /var/lib/pipeline/pipeline.db "select count(*) from verdicts" 2>/dev/null || echo 0)
          [ "$verdicts" = 41 ] && break; sleep 0.2
        done
        echo "readings $(sqlite3 /var/lib/pipeline/pipeline.db 'select count(*) from readings') verdicts $verdicts"
        echo "store owner $(stat -c %U /var/lib/pipeline/pipeline.db) mode $(stat -c %a /var/lib/pipeline)"
        kill -TERM "$node"; set +e; wait "$node"; echo "node exit $?"; set -e
        kill "$mosquitto"; wait "$mosquitto" 2>/dev/null || true
        echo "== node log"; cat "$scratch/node.out"
        """;

    [Fact]
    public void Should_install_the_node_and_mosquitto_that_then_store_and_judge_a_devices_readings()
    {
        var bundle = LinkedBundle();
        var (exitCode, log) = CommandLine.Run("unshare", ["--mount", "--net", "--fork", "bash", "-c", Machine, "machine",
            _work.Path, bundle, DotnetInstall.Root, Path.Combine(Repository.Root, "deploy")]);
        var asked = File.Exists(_work.Combine("asked")) ? File.ReadAllText(_work.Combine("asked")) : string.Empty;
        output.WriteLine(log);
        output.WriteLine("asked:\n" + asked);

        Assert.True(exitCode == 0, log);
        Assert.Contains("readings 100 verdicts 41", log, StringComparison.Ordinal);
        Assert.Contains("store owner pipeline mode 700", log, StringComparison.Ordinal);
        Assert.Contains("node exit 0", log, StringComparison.Ordinal);
        Assert.DoesNotContain("Remoting shut down", log, StringComparison.Ordinal); // Akka's own shutdown chatter (#16)
        Assert.Contains("apt-get install -y -qq mosquitto mosquitto-clients sqlite3", asked, StringComparison.Ordinal);
        Assert.Contains("systemctl enable --now pipeline", asked, StringComparison.Ordinal);
        // Everything it wrote is in the overlays: the settings, the PKI, Mosquitto's config, the units.
        var etc = _work.Combine("upper", "etc");
        Assert.Equal(File.ReadAllText(Path.Combine(Repository.Root, "deploy", "appsettings.pi.json")), File.ReadAllText(Path.Combine(etc, "pipeline", "appsettings.json")));
        Assert.True(File.Exists(Path.Combine(etc, "pipeline", "certs", "ca.crt")));
        Assert.True(File.Exists(Path.Combine(etc, "mosquitto", "pipeline", "mosquitto.conf")));
        Assert.Equal(File.ReadAllText(Path.Combine(Repository.Root, "deploy", "systemd", "pipeline.service")), File.ReadAllText(Path.Combine(etc, "systemd", "system", "pipeline.service")));
    }

    /// <summary>
    /// The bundle install.sh copies, made of links to the built node (a self-contained publish is checked for arm64 by
    /// ArmBundleSpecs; copying 500 MB here would check nothing more): <c>cp -a</c> keeps them links.
    /// </summary>
    private string LinkedBundle()
    {
        var bundle = Directory.CreateDirectory(_work.Combine("bundle")).FullName;
        foreach (var entry in new DirectoryInfo(AppContext.BaseDirectory).EnumerateFileSystemInfos())
        {
            File.CreateSymbolicLink(Path.Combine(bundle, entry.Name), entry.FullName);
        }

        return bundle;
    }

    public void Dispose()
    {
        // The overlays' work folders hold root-owned entries the namespace left behind; the temp folder removes them.
        using var cleanup = Process.Start("rm", ["-rf", _work.Combine("work")]);
        cleanup?.WaitForExit();
        _work.Dispose();
    }
}
