namespace Pipelet.Gateway.Ocpp;

/// <summary>
/// The CALLERROR codes of OCPP-J 1.6 (section 4.2.3), spelled as 1.6 spells them: "FormationViolation"
/// and "OccurenceConstraintViolation" (one "r") are the 1.6 names, not typos to fix.
/// </summary>
internal static class OcppErrorCode
{
    public const string NotImplemented = nameof(NotImplemented);
    public const string NotSupported = nameof(NotSupported);
    public const string InternalError = nameof(InternalError);
    public const string ProtocolError = nameof(ProtocolError);
    public const string SecurityError = nameof(SecurityError);
    public const string FormationViolation = nameof(FormationViolation);
    public const string PropertyConstraintViolation = nameof(PropertyConstraintViolation);
    public const string OccurenceConstraintViolation = nameof(OccurenceConstraintViolation);
    public const string TypeConstraintViolation = nameof(TypeConstraintViolation);
    public const string GenericError = nameof(GenericError);

    /// <summary>
    /// Maps what stations send to the 1.6 spelling: the 2.0 names "FormatViolation" and
    /// "OccurrenceConstraintViolation" are common in the field and mean the same thing.
    /// </summary>
    public static string Normalize(string code) => code switch
    {
        "FormatViolation" => FormationViolation,
        "OccurrenceConstraintViolation" => OccurenceConstraintViolation,
        _ => code,
    };
}
