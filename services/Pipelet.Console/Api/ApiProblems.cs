using Pipelet.Client;

namespace Pipelet.Console.Api;

/// <summary>What a refusal of the API means for the person at the console.</summary>
internal static class ApiProblems
{
    /// <summary>401: the key is wrong, or was revoked since the user signed in.</summary>
    public static bool KeyRefused(this PipeletApiException problem) => problem.Status == StatusCodes.Status401Unauthorized;

    /// <summary>403: the key is valid but lacks the scope this needs.</summary>
    public static bool ScopeMissing(this PipeletApiException problem) => problem.Status == StatusCodes.Status403Forbidden;
}
