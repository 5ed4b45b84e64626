using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The one way a service takes its settings: bound from a configuration section and checked when the host
/// starts, so a bad value stops the service with the setting's name instead of failing a request later. Single
/// values carry data annotations (<c>[Range]</c>, <c>[Required]</c>, <c>IValidatableObject</c>); rules that
/// span settings or need a service are <see cref="IValidateOptions{TOptions}"/> singletons.
/// </summary>
public static class OptionsValidation
{
    public static OptionsBuilder<TOptions> AddValidatedOptions<TOptions>(this IHostApplicationBuilder builder, string section)
        where TOptions : class =>
        builder.Services.AddOptions<TOptions>()
            .BindConfiguration(section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
}
