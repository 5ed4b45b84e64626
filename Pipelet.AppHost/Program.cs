Console.WriteLine("Pipelet AppHost: resource graph comes next.");
