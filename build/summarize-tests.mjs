// Prints what build/test.sh ran: totals, the shared store contract per provider, and the tests that ran against Azurite.
// Usage: node summarize-tests.mjs <tests.trx> [azurite-tests.txt]
import { existsSync, readFileSync } from "node:fs";

const [trxPath, azuritePath] = process.argv.slice(2);
if (!trxPath || !existsSync(trxPath)) {
  console.error(`summary: no test results at ${trxPath}`);
  process.exit(1);
}

const trx = readFileSync(trxPath, "utf8");
const decode = (s) => s.replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
const classOf = new Map();
for (const m of trx.matchAll(/<UnitTest [^>]*id="([^"]+)"[\s\S]*?<TestMethod [^>]*className="([^"]+)"[^>]*name="([^"]+)"/g)) {
  classOf.set(m[1], { className: decode(m[2]), name: decode(m[3]) });
}
const results = [];
for (const m of trx.matchAll(/<UnitTestResult [^>]*?testId="([^"]+)"[^>]*?outcome="([^"]+)"/g)) {
  const test = classOf.get(m[1]) ?? { className: "?", name: "?" };
  results.push({ ...test, outcome: m[2] });
}

const count = (list, outcome) => list.filter((r) => r.outcome === outcome).length;
const line = (list) => `${count(list, "Passed")} passed, ${count(list, "Failed")} failed, ${list.length - count(list, "Passed") - count(list, "Failed")} not run`;
console.log("");
console.log(`== Test summary: ${results.length} tests: ${line(results)}`);

for (const suite of ["ObjectStoreContractTests", "ObjectStoreProcessTests", "ContentStoreTests", "RunLifecycleTests", "RunSearchTests", "RunProcessTests", "DatasetRegistrationTests", "DatasetLineageTests", "DatasetTableTests", "DatasetProcessTests", "ModelRegistryTests", "ModelProcessTests", "BatchScoringTests", "PipelineCachingTests", "PipelineProcessTests", "StudyTests", "StudyProcessTests", "StudyFailureTests", "RetrainingTests", "RetrainingProcessTests", "GarbageCollectionTests", "FeedbackTests", "MonitoringCheckTests", "RetentionTests", "RetentionCrashTests", "PerformanceTests", "LiveDriftTests", "FlightsSeasonDriftTests"]) {
  const bySuite = results.filter((r) => r.className.includes(`.${suite}(`) || r.className.endsWith(`.${suite}`));
  const providers = [...new Set(bySuite.map((r) => (r.className.match(/\((\w+)\)$/) ?? [, "?"])[1]))].sort();
  const parts = providers.map((p) => `${p} ${line(bySuite.filter((r) => r.className.endsWith(`(${p})`)))}`);
  console.log(`   ${suite}: ${parts.join("; ") || "did not run"}`);
}

if (azuritePath && existsSync(azuritePath)) {
  const names = new Set(readFileSync(azuritePath, "utf8").split("\n").filter(Boolean));
  const azure = results.filter((r) => names.has(`${r.className}.${r.name}`));
  console.log(`   Against Azurite: ${names.size} tests used it; ${line(azure)}`);
  if (names.size === 0 || azure.length === 0) {
    console.error("summary: no test ran against Azurite");
    process.exit(1);
  }
} else {
  console.error("summary: no Azurite report; the Azure Blob tests did not run");
  process.exit(1);
}
process.exit(count(results, "Failed") > 0 ? 1 : 0);
