using System.CommandLine;
using Pipelet.Simulator.Cli;

// Ctrl+C ends the run early; the fleet still closes its connections and prints the report.
var invocation = new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(20) };
return await SimulatorCommand.Create().Parse(args).InvokeAsync(invocation);
