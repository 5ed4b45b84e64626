using System.CommandLine;
using Pipelet.Simulator.Cli;

// A failure on a station's background work must be seen, not lost.
AppDomain.CurrentDomain.UnhandledException += (_, e) => Console.Error.WriteLine($"unhandled: {e.ExceptionObject}");
TaskScheduler.UnobservedTaskException += (_, e) => Console.Error.WriteLine($"unobserved: {e.Exception.GetBaseException()}");

// Ctrl+C ends the run early; the fleet still closes its connections and prints the report.
var invocation = new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(20) };
return await SimulatorCommand.Create().Parse(args).InvokeAsync(invocation);
