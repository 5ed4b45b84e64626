using System.Buffers;

namespace Pipelet.ServiceDefaults.Http;

/// <summary>RFC 9110 section 5.6.2 (RFC 7230 3.2.6): <c>token = 1*tchar</c>, the grammar of a header name.</summary>
public static class HttpToken
{
    private const string TokenChars = "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    private static readonly SearchValues<char> Chars = SearchValues.Create(TokenChars);
    private static readonly SearchValues<byte> Bytes = SearchValues.Create(System.Text.Encoding.ASCII.GetBytes(TokenChars));

    public static bool IsToken(ReadOnlySpan<char> text) => !text.IsEmpty && !text.ContainsAnyExcept(Chars);

    public static bool IsToken(ReadOnlySpan<byte> text) => !text.IsEmpty && !text.ContainsAnyExcept(Bytes);
}
