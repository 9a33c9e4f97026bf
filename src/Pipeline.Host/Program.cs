using Pipeline.Host.Cli;
using Serilog;

Log.Logger = CliLogging.CreateLogger();
try
{
    return await PipelineCommand.Create().Parse(args).InvokeAsync();
}
finally
{
    await Log.CloseAndFlushAsync();
}
