using Pipeline.Host.Observing;

namespace Pipeline.Tests.Host.Observing;

public sealed class HttpOptionsSpecs
{
    [Theory]
    [InlineData(null, null)]
    [InlineData("", null)]
    [InlineData("http://127.0.0.1:9464", "http://127.0.0.1:9464/")]
    [InlineData("http://0.0.0.0:80/", "http://0.0.0.0:80/")]
    public void Should_listen_where_told_or_nowhere(string? urls, string? prefix)
    {
        var options = new HttpOptions { Urls = urls };

        Assert.Empty(options.Problems("Pipeline:Http"));
        Assert.Equal(prefix, options.Prefix);
    }

    [Theory]
    [InlineData("127.0.0.1:9464")]
    [InlineData("https://127.0.0.1:9464")]
    [InlineData("http://127.0.0.1")]
    [InlineData("http://127.0.0.1:9464/metrics")]
    [InlineData("http://127.0.0.1:9464;http://[::1]:9464")]
    public void Should_refuse_anything_but_one_http_address_with_a_port_and_say_how_it_should_look(string urls)
    {
        var problem = Assert.Single(new HttpOptions { Urls = urls }.Problems("Pipeline:Http"));

        Assert.Contains($"Pipeline:Http:Urls is '{urls}'", problem, StringComparison.Ordinal);
        Assert.Contains("http://127.0.0.1:9464", problem, StringComparison.Ordinal);
    }
}
