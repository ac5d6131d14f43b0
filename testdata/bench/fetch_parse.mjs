// Node's side of BenchmarkNodeFetchParse: fetch the page from url n times and JSON.parse it,
// as a Node integration would, after a warm-up. Prints wall and CPU time per call, and the time
// of JSON.parse alone, as JSON. Usage: node fetch_parse.mjs <url> <n>
const [url, nArg] = process.argv.slice(2);
const n = Number(nArg);
const headers = { 'x-api-key': 'creem_test_benchmarkbenchmark', accept: 'application/json' };

async function call() {
  const res = await fetch(url, { headers });
  if (res.status !== 200) throw new Error(`status ${res.status}`);
  const text = await res.text();
  const t = process.hrtime.bigint();
  const page = JSON.parse(text);
  parseNs += Number(process.hrtime.bigint() - t);
  if (page.items.length !== 100) throw new Error('short page');
}

let parseNs = 0;
for (let i = 0; i < 200; i++) await call(); // warm-up: JIT and the keep-alive connection
parseNs = 0;
const cpu0 = process.cpuUsage();
const t0 = process.hrtime.bigint();
for (let i = 0; i < n; i++) await call();
const wall = Number(process.hrtime.bigint() - t0);
const cpu = process.cpuUsage(cpu0);
console.log(JSON.stringify({
  wall_ns_per_op: wall / n,
  cpu_ns_per_op: ((cpu.user + cpu.system) * 1000) / n,
  parse_ns_per_op: parseNs / n,
}));
