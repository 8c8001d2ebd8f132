import assert from 'node:assert/strict';
import { test } from 'node:test';
import { csvCell, csvDocument, guardCsvText, unguardCsvCell } from './csv-write.ts';

test('OWASP formula starts are guarded with a quote; plain numbers and other text are not', () => {
  for (const text of ['=1+1', '+1', '-1+1', '@SUM(A1)', '\t=1', '\r=1', '-', "'=x", "''+x"]) assert.equal(guardCsvText(text), `'${text}`, JSON.stringify(text));
  for (const text of ['-12.5', '-1e-7', '12', '.5', 'Acme', "'quoted", ' =1', '']) assert.equal(guardCsvText(text), text, JSON.stringify(text));
});

test('the guard is undone exactly: every text reads back as it was written', () => {
  for (const text of ['=1', "'=1", "''=1", "'x", "''x", '-12.5', "'-12.5", '-x', 'plain', "'", "''", '\t', "'\t"]) {
    assert.equal(unguardCsvCell(guardCsvText(text)), text, JSON.stringify(text));
  }
});

test('cells are quoted as RFC 4180 after the guard; numbers stay numbers; a file ends rows with CRLF', () => {
  assert.equal(csvCell('=HYPERLINK("http://x","y")'), `"'=HYPERLINK(""http://x"",""y"")"`);
  assert.equal(csvCell('a,b'), '"a,b"');
  assert.equal(csvCell('line\nbreak'), '"line\nbreak"');
  assert.equal(csvCell(-5), '-5');
  assert.equal(csvCell(Number.NaN), '');
  assert.equal(csvCell(null), '');
  assert.equal(csvCell(true), 'true');
  assert.equal(csvDocument(['a', 'b'], [['=x', -1]]), "a,b\r\n'=x,-1\r\n");
});
