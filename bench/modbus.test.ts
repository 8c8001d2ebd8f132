import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runModbusBench } from './modbus.ts';

test('the modbus bench runs end to end on a small workload (smoke: keeps it from rotting)', async () => {
  const r = (await runModbusBench({ tcpRequests: 200, rtuRequests: 20, inFlight: 4 })) as {
    sdm630: { requests_on_the_wire: number; pass: boolean };
    tcp_pymodbus: { pipelined_per_s: number; one_at_a_time_per_s: number; max_in_flight: number };
    rtu_pty: { max_in_flight: number; never_two_in_flight: boolean };
    rtu_line_limits: { baud: number; line_limit_per_s: number }[];
  };
  assert.ok(r.sdm630.pass && r.sdm630.requests_on_the_wire <= 3);
  assert.ok(r.tcp_pymodbus.pipelined_per_s > 0 && r.tcp_pymodbus.one_at_a_time_per_s > 0);
  assert.ok(r.tcp_pymodbus.max_in_flight > 1, 'pipelining really had several requests out');
  assert.equal(r.rtu_pty.max_in_flight, 1);
  assert.deepEqual(r.rtu_line_limits.map((l) => l.baud), [9600, 19200]);
  // 10 registers at 9,600 8N1 (10 bits a character): 33 bytes = 34.4 ms, + 2 x 3.65 ms silence = 41.7 ms -> 24.0 requests/s.
  assert.equal(r.rtu_line_limits[0]!.line_limit_per_s, 24);
});
