import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { parser } from '@prometheus-io/lezer-promql';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';

import { Metrics } from './metrics.service';

// The Grafana dashboard and Prometheus rules shipped for operators, checked against the metrics
// this code registers: a renamed metric or label fails here, not on an operator's screen.
const ROOT = join(__dirname, '../../../../..');
const ASSETS = join(ROOT, 'tooling/observability');

// Labels Prometheus adds to every scraped series, and its own `up` series.
const TARGET_LABELS = ['job', 'instance'];
const SYNTHETIC: ReadonlyMap<string, readonly string[]> = new Map([['up', []]]);

/** Every series name a scrape of the API or worker can hold, with the labels it carries. */
function knownSeries(): Map<string, Set<string>> {
  const metrics = new Metrics();
  metrics.collectProcessMetrics();
  const series = new Map<string, Set<string>>();
  for (const [name, labels] of SYNTHETIC) series.set(name, new Set([...labels, ...TARGET_LABELS]));
  for (const metric of metrics.registry.getMetricsAsArray()) {
    // prom-client keeps these on each metric; its typings leave them out.
    const { name, type, labelNames } = metric as unknown as {
      name: string;
      type: string;
      labelNames?: readonly string[];
    };
    const labels = new Set([...(labelNames ?? []), ...TARGET_LABELS]);
    series.set(name, labels);
    if (type === 'histogram') series.set(`${name}_bucket`, new Set([...labels, 'le']));
    if (type === 'histogram' || type === 'summary') {
      series.set(`${name}_sum`, labels);
      series.set(`${name}_count`, labels);
    }
  }
  return series;
}

// Grafana's interval variables stand for a duration.
function withoutGrafanaVariables(expr: string): string {
  return expr.replace(/\$__(rate_interval|interval|range)/g, '5m');
}

interface Reference {
  name: string;
  labels: string[];
}

/**
 * The series an expression selects and the labels it names; parse errors as messages. `grouped`
 * lists each `by (…)` in pre-order, so the first is the outermost aggregation (the result's
 * labels); `without` is not used by the assets and counts as keeping every label.
 */
function analyse(expr: string): {
  errors: string[];
  selectors: Reference[];
  grouped: string[][];
  isGroupedOutside: boolean;
} {
  const source = withoutGrafanaVariables(expr);
  const tree = parser.parse(source);
  const errors: string[] = [];
  const selectors: Reference[] = [];
  const grouped: string[][] = [];
  let isGroupedOutside = false;
  const text = (from: number, to: number) => source.slice(from, to);
  tree.iterate({
    enter(node) {
      if (node.type.isError)
        errors.push(`syntax error at ${node.from}: "${source.slice(node.from, node.from + 20)}"`);
      if (node.name === 'VectorSelector') {
        const id = node.node.getChild('Identifier');
        const matchers = node.node.getChild('LabelMatchers');
        const labels = (matchers ? matchers.getChildren('UnquotedLabelMatcher') : [])
          .map((m) => m.getChild('LabelName'))
          .map((l) => (l ? text(l.from, l.to) : ''));
        selectors.push({ name: id ? text(id.from, id.to) : '', labels });
      }
      if (node.name === 'GroupingLabels') {
        const isBy = node.node.parent?.getChild('By') !== null;
        if (grouped.length === 0) isGroupedOutside = isBy;
        grouped.push(node.node.getChildren('LabelName').map((l) => text(l.from, l.to)));
      }
    },
  });
  return { errors, selectors, grouped, isGroupedOutside };
}

/** Problems of one expression against the known series; `shown` are labels a text displays. */
function problems(expr: string, series: Map<string, Set<string>>, shown: string[] = []): string[] {
  const { errors, selectors, grouped, isGroupedOutside } = analyse(expr);
  const found = [...errors];
  const available = new Set<string>();
  for (const s of selectors) {
    const labels = series.get(s.name);
    if (!labels) {
      found.push(`unknown series ${s.name || '(none)'}`);
      continue;
    }
    for (const l of labels) available.add(l);
    for (const l of s.labels) if (!labels.has(l)) found.push(`${s.name} has no label ${l}`);
  }
  for (const l of [...grouped.flat(), ...shown]) {
    if (!available.has(l)) found.push(`no series in the expression has the label ${l}`);
  }
  // A label a text shows must survive the outermost aggregation.
  const kept = new Set(isGroupedOutside ? grouped[0] : available);
  for (const l of shown) {
    if (available.has(l) && !kept.has(l))
      found.push(`the result has no label ${l} (aggregated away)`);
  }
  return found;
}

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { uid: string };
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: { refId: string; expr: string; legendFormat?: string }[];
}

const rules = (
  parseYaml(readFileSync(join(ASSETS, 'prometheus-rules.yml'), 'utf8')) as {
    groups: { name: string; rules: Rule[] }[];
  }
).groups.flatMap((g) => g.rules);
const dashboard = JSON.parse(readFileSync(join(ASSETS, 'grafana-dashboard.json'), 'utf8')) as {
  uid: string;
  templating: { list: { name: string; type: string }[] };
  panels: Panel[];
};
const panelsWithQueries = dashboard.panels.filter((p) => p.type !== 'row');

const placeholders = (text: string, pattern: RegExp) =>
  [...text.matchAll(pattern)].map((m) => m[1] ?? '');

describe('observability assets against the registered metrics', () => {
  const series = knownSeries();

  it('knows the metrics the code registers (the check would pass vacuously otherwise)', () => {
    expect(series.get('rox365_graph_throttles_total')).toEqual(
      new Set(['app', 'kind', 'job', 'instance']),
    );
    expect(series.get('rox365_sync_lag_seconds_bucket')?.has('le')).toBe(true);
    expect(series.has('rox365_nodejs_eventloop_lag_p99_seconds')).toBe(true);
  });

  it('finds what a broken expression gets wrong', () => {
    expect(problems('sum by (kind) (rate(rox365_graph_throttle_total[5m]))', series)).toEqual([
      'unknown series rox365_graph_throttle_total',
      'no series in the expression has the label kind',
    ]);
    expect(problems('rox365_queue_jobs{org="a"}', series)).toEqual([
      'rox365_queue_jobs has no label org',
    ]);
    expect(problems('sum(rate(rox365_sync_rounds_total[5m])', series)[0]).toMatch(/syntax error/);
    expect(problems('rox365_queue_jobs', series, ['state', 'le'])).toEqual([
      'no series in the expression has the label le',
    ]);
    expect(
      problems('sum by (app) (rate(rox365_graph_throttles_total[5m])) > 1', series, ['kind']),
    ).toEqual(['the result has no label kind (aggregated away)']);
    expect(
      problems(
        'max by (queue) (rox365_queue_jobs) and deriv(max by (queue, state) (rox365_queue_jobs)[5m:1m]) > 0',
        series,
        ['state'],
      ),
    ).toEqual(['the result has no label state (aggregated away)']);
  });

  it.each(rules.map((r) => [r.alert, r] as const))(
    'alert %s uses only real series and labels',
    (_, rule) => {
      const shown = Object.values(rule.annotations ?? {}).flatMap((t) =>
        placeholders(t, /\$labels\.(\w+)/g),
      );
      expect(problems(rule.expr, series, shown)).toEqual([]);
      expect(['critical', 'warning']).toContain(rule.labels?.severity);
      expect(rule.annotations?.summary).toBeTruthy();
      expect(rule.annotations?.description).toBeTruthy();
    },
  );

  it('names every alert once, and documents each in docs/operations.md', () => {
    const names = rules.map((r) => r.alert);
    expect(new Set(names).size).toBe(names.length);
    const docs = readFileSync(join(ROOT, 'docs/operations.md'), 'utf8');
    expect(names.filter((n) => !docs.includes(`\`${n}\``))).toEqual([]);
  });

  it.each(panelsWithQueries.map((p) => [p.title, p] as const))(
    'panel "%s" queries only real series and labels',
    (_, panel) => {
      expect(panel.targets?.length).toBeGreaterThan(0);
      for (const target of panel.targets ?? []) {
        const shown = placeholders(target.legendFormat ?? '', /\{\{\s*(\w+)\s*\}\}/g);
        expect(problems(target.expr, series, shown), target.expr).toEqual([]);
      }
      expect(panel.datasource?.uid).toBe('${datasource}');
    },
  );

  it('lays the dashboard out on its 24-column grid with unique panel ids and query ids', () => {
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of dashboard.panels) expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
    for (const p of panelsWithQueries) {
      const refIds = (p.targets ?? []).map((t) => t.refId);
      expect(new Set(refIds).size).toBe(refIds.length);
    }
    expect(dashboard.templating.list).toContainEqual(
      expect.objectContaining({ name: 'datasource', type: 'datasource' }),
    );
  });
});
