using System.Globalization;
using Pipelet.Simulator.Ocpp.Messages;

namespace Pipelet.Simulator.Stations;

/// <summary>
/// A plausible AC charger's meter: a lifetime energy register that only grows, and per session an EV
/// whose state of charge rises and whose power tapers above 80 %. Each sample carries energy, power,
/// current and voltage per phase and the EV's state of charge, as real chargers report them.
/// </summary>
internal sealed class MeterSampler
{
    private static readonly double[] ChargerPowers = [7_400, 11_000, 22_000];
    private const double NominalVoltage = 230;

    private readonly Random _random;
    private double _energyWh;
    private double _stateOfCharge;
    private double _batteryWh;

    public MeterSampler(Random random)
    {
        _random = random;
        MaxPowerW = ChargerPowers[random.Next(ChargerPowers.Length)];
        Phases = MaxPowerW > 7_400 ? 3 : 1;
        _energyWh = random.Next(0, 5_000_000);
    }

    public double MaxPowerW { get; }

    public int Phases { get; }

    /// <summary>The energy register, Wh, as an integer (meterStart/meterStop).</summary>
    public int RegisterWh => (int)_energyWh;

    public double StateOfCharge => _stateOfCharge;

    /// <summary>A new EV plugs in: a battery of 40 to 80 kWh, 10 to 60 % full.</summary>
    public void BeginSession()
    {
        _batteryWh = _random.Next(40, 81) * 1_000;
        _stateOfCharge = _random.Next(10, 61);
    }

    /// <summary>Charges for <paramref name="period"/> and reports the readings at its end.</summary>
    public MeterValue Sample(DateTimeOffset timestamp, TimeSpan period)
    {
        var power = CurrentPower();
        var energy = power * period.TotalHours;
        _energyWh += energy;
        if (_batteryWh > 0) _stateOfCharge = Math.Min(100, _stateOfCharge + energy / _batteryWh * 100);

        var voltage = NominalVoltage * (1 + (_random.NextDouble() - 0.5) * 0.04);
        var current = power / (Phases * voltage);
        var values = new List<SampledValue>(3 + 2 * Phases)
        {
            new(Text(_energyWh, "F0"), "Sample.Periodic", Measurand: "Energy.Active.Import.Register", Location: "Outlet", Unit: "Wh"),
            new(Text(power, "F0"), "Sample.Periodic", Measurand: "Power.Active.Import", Location: "Outlet", Unit: "W"),
        };
        for (var phase = 1; phase <= Phases; phase++)
        {
            values.Add(new(Text(current, "F1"), "Sample.Periodic", Measurand: "Current.Import", Phase: $"L{phase}", Location: "Outlet", Unit: "A"));
            values.Add(new(Text(voltage, "F1"), "Sample.Periodic", Measurand: "Voltage", Phase: $"L{phase}-N", Location: "Outlet", Unit: "V"));
        }

        values.Add(new(Text(_stateOfCharge, "F0"), "Sample.Periodic", Measurand: "SoC", Location: "EV", Unit: "Percent"));
        return new MeterValue(timestamp, values);
    }

    private double CurrentPower()
    {
        if (_batteryWh <= 0) return 0;
        // Constant power to 80 %, then a linear taper to a fifth at 100 %; a little noise throughout.
        var taper = _stateOfCharge < 80 ? 1 : Math.Max(0.2, 1 - (_stateOfCharge - 80) / 25);
        return MaxPowerW * taper * (1 + (_random.NextDouble() - 0.5) * 0.04);
    }

    private static string Text(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
}
