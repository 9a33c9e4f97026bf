# Shared by the bench scripts (sourced, not run): the pipeline command to measure, and free loopback ports.

# Sets $pipeline to a Release build of src/Pipeline.Host for this machine, unless the caller gave one (--pipeline).
build_pipeline() {
  if [ -z "${pipeline:-}" ]; then
    local rid
    case "$(uname -m)" in aarch64|arm64) rid=linux-arm64 ;; *) rid=linux-x64 ;; esac
    echo "Building the pipeline command (Release, $rid) ..."
    dotnet build src/Pipeline.Host -c Release -v q -nologo >/dev/null
    pipeline="$PWD/src/Pipeline.Host/bin/Release/net10.0/$rid/pipeline"
  fi
}

# Exits saying how to install them when one of the tools is missing: need "DEBIAN PACKAGES" TOOL...
need() {
  local packages=$1 tool
  shift
  for tool in "$@"; do
    command -v "$tool" >/dev/null || { echo "$tool is missing: apt-get install -y $packages" >&2; exit 1; }
  done
}

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

free_port() { local p; p=$(shuf -i 20000-60000 -n 1); while listening "$p"; do p=$(shuf -i 20000-60000 -n 1); done; echo "$p"; }
