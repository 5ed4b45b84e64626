using System.Globalization;
using System.Text;

namespace Pipelet.Subscriptions.Http;

/// <summary>
/// The rule for names people read in a console or a list (webhook and API-key names): no control
/// characters, no bidirectional embeddings, overrides or isolates (they reorder the text around them, so
/// a name can pose as another), and at least one visible character, so a name of only spaces,
/// zero-width characters or fillers cannot pass as empty.
/// </summary>
internal static class DisplayNames
{
    /// <summary>Null when the name is fine; otherwise what is wrong with it.</summary>
    public static string? Problem(string name)
    {
        var visible = false;
        foreach (var rune in name.EnumerateRunes())
        {
            if (Rune.IsControl(rune)) return "The name must not contain control characters.";
            if (IsBidiControl(rune)) return "The name must not contain bidirectional embedding, override or isolate characters (U+202A to U+202E, U+2066 to U+2069).";
            visible |= IsVisible(rune);
        }

        return visible ? null : "The name needs at least one visible character (not only spaces, zero-width or invisible characters).";
    }

    private static bool IsBidiControl(Rune rune) => rune.Value is >= 0x202A and <= 0x202E or >= 0x2066 and <= 0x2069;

    private static bool IsVisible(Rune rune) =>
        !Rune.IsWhiteSpace(rune)
        && Rune.GetUnicodeCategory(rune) is not (UnicodeCategory.Format or UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark
            or UnicodeCategory.SpaceSeparator or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
            or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned or UnicodeCategory.Surrogate)
        // Letters and symbols that render as blank space.
        && rune.Value is not (0x115F or 0x1160 or 0x3164 or 0xFFA0 or 0x2800);
}
