#:project ../FlightDelays/FlightDelays.csproj
#:project ../../src/MlOps.Sdk/MlOps.Sdk.csproj
using MlOps.Sdk;
var client = MlOpsClient.CreateDefault();
Console.WriteLine(client.Environment);
