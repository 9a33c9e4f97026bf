using Pipeline.Models.Security;

namespace Pipeline.Tests.Models.Security;

public sealed class IdentityNameSpecs
{
    [Theory]
    [InlineData("esp32-01")]
    [InlineData("pump_station.7")]
    [InlineData("A1")]
    [InlineData("node")]
    public void Should_accept_letters_digits_dash_underscore_and_dot(string name) => Assert.Null(IdentityName.Validate(name));

    [Theory]
    [InlineData("", "empty")]
    [InlineData("esp+01", "MQTT wildcard")]
    [InlineData("esp#01", "MQTT wildcard")]
    [InlineData("a/b", "topic separator")]
    [InlineData("-esp", "must start with a letter or digit")]
    [InlineData("ésp", "must start with a letter or digit")]
    [InlineData("esp 01", "contains ' '")]
    [InlineData("alarms", "reserved")]
    [InlineData("ca", "reserved")]
    public void Should_refuse_with_the_reason(string name, string reason) =>
        Assert.Contains(reason, IdentityName.Validate(name), StringComparison.Ordinal);

    [Fact]
    public void Should_refuse_names_longer_than_64() =>
        Assert.Contains("at most 64", IdentityName.Validate(new string('a', 65)), StringComparison.Ordinal);
}
