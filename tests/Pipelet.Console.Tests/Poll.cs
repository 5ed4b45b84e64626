namespace Pipelet.Console.Tests;

internal static class Poll
{
    /// <summary>Asks <paramref name="condition"/> until it holds, failing after a generous deadline.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"Timed out waiting until {what}.");
            await Task.Delay(100);
        }
    }
}
