namespace Pipelet.Subscriptions.Extensions;

internal static class Extensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddNpgsqlDataSource("subscriptionsdb");
        builder.AddRabbitMqBus();
    }
}
