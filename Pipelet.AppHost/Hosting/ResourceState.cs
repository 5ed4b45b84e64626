namespace Pipelet.AppHost.Hosting;

public enum ResourceState
{
    NotStarted,
    Waiting,
    Starting,
    Running,
    Healthy,
    Exited,
    Restarting,
    Stopping,
    Stopped,
    FailedToStart,
}
