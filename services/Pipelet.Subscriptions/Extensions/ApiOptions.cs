using System.ComponentModel.DataAnnotations;

namespace Pipelet.Subscriptions.Extensions;

/// <summary>Bound from the <c>Api</c> section (<c>Api__InternalPort</c>, <c>Api__BootstrapKey</c>).</summary>
internal sealed class ApiOptions : IValidatableObject
{
    public const string Section = "Api";

    /// <summary>The port that serves <c>/internal/v1/*</c> (key checks, the dispatcher's full read); never the public one.</summary>
    [Required(ErrorMessage = InternalPortHint)]
    [Range(1, 65535, ErrorMessage = InternalPortHint)]
    public int? InternalPort { get; set; }

    private const string InternalPortHint = "Api:InternalPort must be set to the internal port (Api__InternalPort, 1-65535); the AppHost sets it.";

    /// <summary>Created with every scope on first start when no key exists yet (the AppHost passes one).</summary>
    /// <remarks>Empty counts as not set.</remarks>
    public string? BootstrapKey { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrEmpty(BootstrapKey) && (BootstrapKey.Length < 24 || !BootstrapKey.All(c => c is > ' ' and <= '~')))
        {
            yield return new ValidationResult(
                "Api:BootstrapKey must be at least 24 printable ASCII characters (use the hcpms_live_<random> form).",
                [nameof(BootstrapKey)]);
        }
    }
}
