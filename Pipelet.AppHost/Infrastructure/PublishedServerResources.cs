namespace Pipelet.AppHost.Infrastructure;

/// <summary>
/// The broker as a plain container in the published manifest, its connection string built from its user and
/// password parameters. Aspire's <c>AddRabbitMQ</c> writes its URI-encoded password as an <c>annotated.string</c>
/// resource, which aspirate skips, leaving the connection string with an unresolved placeholder.
/// </summary>
internal sealed class PublishedRabbitMQResource(string name, ParameterResource user, ParameterResource password)
    : ContainerResource(name), IResourceWithConnectionString
{
    public ParameterResource User => user;

    public ParameterResource Password => password;

    public ReferenceExpression ConnectionStringExpression
    {
        get
        {
            var endpoint = new EndpointReference(this, "tcp");
            return ReferenceExpression.Create(
                $"amqp://{user}:{password}@{endpoint.Property(EndpointProperty.Host)}:{endpoint.Property(EndpointProperty.Port)}");
        }
    }
}

/// <summary>PostgreSQL as a plain container in the published manifest (see <see cref="PublishedRabbitMQResource"/>).</summary>
internal sealed class PublishedPostgresResource(string name, ParameterResource password)
    : ContainerResource(name), IResourceWithConnectionString
{
    public ParameterResource Password => password;

    public ReferenceExpression ConnectionStringExpression
    {
        get
        {
            var endpoint = new EndpointReference(this, "tcp");
            return ReferenceExpression.Create(
                $"Host={endpoint.Property(EndpointProperty.Host)};Port={endpoint.Property(EndpointProperty.Port)};Username=postgres;Password={password}");
        }
    }
}
