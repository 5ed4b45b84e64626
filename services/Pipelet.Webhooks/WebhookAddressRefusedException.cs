namespace Pipelet.Webhooks;

/// <summary>The webhook's host resolved only to addresses the SSRF rule refuses.</summary>
public sealed class WebhookAddressRefusedException(string host)
    : Exception($"{host} resolves only to loopback, private or link-local addresses, which webhooks may not call " +
                "(set Delivery__AllowPrivateNetworks=true for local development).");
