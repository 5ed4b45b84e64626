namespace Pipelet.Simulator.Stations;

/// <summary>
/// The shape of every simulated session: MeterValues every <see cref="MeterInterval"/>,
/// <see cref="MeterValuesPerSession"/> of them, then a pause of about <see cref="MeanIdle"/>
/// (exponentially distributed) before the next driver arrives.
/// </summary>
internal sealed record SessionPlan(TimeSpan MeterInterval, int MeterValuesPerSession, TimeSpan MeanIdle, int TransactionMessageAttempts = 3)
{
    /// <summary>A plan from a session rate per station per hour and a session length.</summary>
    public static SessionPlan From(TimeSpan meterInterval, TimeSpan sessionLength, double sessionsPerHour)
    {
        var meterValues = Math.Max(1, (int)(sessionLength / meterInterval));
        var cycle = sessionsPerHour > 0 ? TimeSpan.FromHours(1 / sessionsPerHour) : TimeSpan.MaxValue;
        var idle = cycle == TimeSpan.MaxValue ? TimeSpan.MaxValue : cycle > sessionLength ? cycle - sessionLength : TimeSpan.Zero;
        return new SessionPlan(meterInterval, meterValues, idle);
    }

    public bool SessionsEnabled => MeanIdle != TimeSpan.MaxValue;
}
