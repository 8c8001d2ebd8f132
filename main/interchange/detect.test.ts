import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detectFormat } from './detect.ts';
import { documentToCsv } from './csv.ts';
import { everyKeyDocument, BRIEF_EXAMPLE_FILLED } from './test-fixtures.ts';

const HOTMAPS_HEADER =
  '"SiteID";"CompanyName";"SiteName";"Address";"CityCode";"City";"Country";"geom";"Subsector";"DataSource";"Emissions_ETS_2014";"Emissions_EPRTR_2014";"Production";"Fuel_Demand";"Excess_Heat_100-200C";"Excess_Heat_200-500C";"Excess_Heat_500C";"Excess_Heat_Total"';

test('formats are told apart by content, whatever the file is called', () => {
  const csv = documentToCsv(everyKeyDocument());
  assert.equal(detectFormat('portfolio.json', BRIEF_EXAMPLE_FILLED), 'exchange-json');
  assert.equal(detectFormat('portfolio.txt', `\ufeff  ${BRIEF_EXAMPLE_FILLED}`), 'exchange-json');
  assert.equal(detectFormat('broken.json', '{"format": '), 'exchange-json');
  assert.equal(detectFormat('x.csv', csv.flows), 'exchange-csv');
  assert.equal(detectFormat('x.csv', csv.sites), 'exchange-csv');
  assert.equal(detectFormat('x.csv', csv.organizations), 'exchange-csv');
  assert.equal(detectFormat('organizations.csv', 'id,name\r\no1,Acme\r\n'), 'exchange-csv');
  assert.equal(detectFormat('Industrial_Database.csv', `${HOTMAPS_HEADER}\n`), 'hotmaps-csv');
  assert.equal(detectFormat('data.csv', `${HOTMAPS_HEADER}\n`), 'hotmaps-csv');
});

test('anything else is unknown', () => {
  assert.equal(detectFormat('x.csv', 'id,name\r\no1,Acme\r\n'), 'unknown');
  assert.equal(detectFormat('x.csv', 'a,b,c\n1,2,3\n'), 'unknown');
  assert.equal(detectFormat('x.json', '[1, 2]'), 'unknown');
  assert.equal(detectFormat('x.bin', ''), 'unknown');
  assert.equal(detectFormat('x.csv', 'id,"name\n'), 'unknown');
});
