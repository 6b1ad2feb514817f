#!/usr/bin/env python3
"""Writes monitoring/alerts.test.yml (15 s scrape, 30 s evaluation) and alerts.test-30s.yml (30 s, 1 m).

Each scenario is a function of time sampled at the scrape interval. promtool evaluates every evaluation of it; the
script fails (exit 1, naming the problem) unless each expected alert fires with exactly the expected labels no later
than its bound (the lead times docs/monitoring.md states), resolves by its bound, and every alert meant to stay silent
never fires. It then writes checks just before, at and after those moments, with the annotations promtool produced.
Run it after changing alerts.yml: python3 monitoring/alerts-tests.py (needs promtool)."""
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.abspath(__file__)) + '/'


def fmt(v):
    if v is None:
        return '_'
    if v == 'stale':
        return 'stale'
    if float(v).is_integer():
        return str(int(v))
    return ('%.3f' % v).rstrip('0').rstrip('.')


def sample(f, S, until):
    return ' '.join(fmt(f(k * S)) for k in range(int(until // S) + 1))


class Scenario:
    """expect: (alert, [labels], fire_by, resolve_by) in seconds from t=0 (resolve_by None: not checked);
    silent: (alert, [times to show]) that must never fire."""
    def __init__(self, comment, series, until, expect=(), silent=()):
        self.comment, self.series, self.until = comment, series, until
        self.expect = {a: (l, f, r) for a, l, f, r in expect}
        self.silent = {(a, t) for a, ts in silent for t in ts}


HTTP = {'job': 'http-demo', 'instance': '10.0.0.7:9464'}
LOOP = dict(HTTP, loop='event-loop-1-1')
THROUGH = {'job': 'http-demo-through-the-loop', 'instance': '10.0.0.7:8080'}
PROBE = {'job': 'blackbox-http', 'instance': 'http://10.0.0.7:8080/health'}
CONS = {'job': 'kafka-demo', 'instance': '10.0.0.9:9464', 'client_id': 'naive-1'}
LAG = {'job': 'kafka-exporter', 'instance': 'kafka-exporter:9308', 'consumergroup': 'naive', 'topic': 'jobs'}


def lbl(name, labels):
    return name + '{' + ','.join('%s="%s"' % (k, v) for k, v in sorted(labels.items())) + '}'


def scenarios(S, E):
    T0 = 300            # the trouble starts 5 m in: every window has history
    fire = T0 + S + E + 60 + S   # a scrape, an evaluation, for: 1m, one more scrape of margin
    out = []
    stall = 45

    def ticks(t):
        return t * 20  # a tick every 50 ms

    out.append(Scenario(
        'A 45 s stall of the event loop at t=5m, scraped from the metrics port (its own loop keeps answering), as the '
        'recorded run of 2026-11-26 02:46:20 UTC showed it at 1 s: the gauge climbs by 1 s a second, then drops to 0. '
        'A kubelet with default probes would restart the pod 21-31 s in; the series goes on (same pod IP).',
        [(lbl('event_loop_stall_seconds', LOOP), lambda t: (t - T0) if T0 <= t < T0 + stall else 0)],
        T0 + 600,
        expect=[('EventLoopStalled', [dict(LOOP, severity='critical')], T0 + 106 if E == 30 else T0 + 151,
                 T0 + stall + 120 + E)]))

    out.append(Scenario(
        'A 3 s stall at t=5m that falls between two scrapes: the gauge reads 0 at every scrape, but the lag histogram '
        '(a tick every 50 ms) counts one tick over 1 s late once the loop is back.',
        [(lbl('event_loop_stall_seconds', LOOP), lambda t: 0),
         (lbl('event_loop_lag_seconds_count', LOOP), ticks),
         (lbl('event_loop_lag_seconds_bucket', dict(LOOP, le='1.0')), lambda t: ticks(t) - (1 if t >= T0 + 3 else 0))],
        T0 + 1200,
        expect=[('EventLoopTickLate', [dict(LOOP, severity='warning')], fire, T0 + 300 + 300 + 2 * E + S)],
        silent=[('EventLoopStalled', [T0 + 120])]))

    out.append(Scenario(
        'A 0.6 s stall at t=5m (over the watchdog\'s 200 ms limit, under 1 s): a STALL line, no alert.',
        [(lbl('event_loop_stall_seconds', LOOP), lambda t: 0),
         (lbl('event_loop_lag_seconds_count', LOOP), ticks),
         (lbl('event_loop_lag_seconds_bucket', dict(LOOP, le='1.0')), ticks)],
        T0 + 600,
        silent=[('EventLoopTickLate', [T0 + 120, T0 + 300]), ('EventLoopStalled', [T0 + 120])]))

    through_loop = dict(LOOP, job=THROUGH['job'], instance=THROUGH['instance'])
    out.append(Scenario(
        'The same 45 s stall with /metrics scraped only through the server\'s own loop (no metrics port): every scrape '
        'in the stall times out (up 0, the stall gauge has no sample) and the blackbox probes of /health (1 s timeout) '
        'fail. EventLoopStalled cannot fire; the through-the-loop and blackbox rules do, and the late tick is counted '
        'once the loop is back.',
        [(lbl('up', THROUGH), lambda t: 0 if T0 <= t < T0 + stall else 1),
         (lbl('scrape_duration_seconds', THROUGH), lambda t: 10 if T0 <= t < T0 + stall else 0.004),
         (lbl('event_loop_stall_seconds', through_loop), lambda t: None if T0 <= t < T0 + stall else 0),
         (lbl('event_loop_lag_seconds_count', through_loop), lambda t: None if T0 <= t < T0 + stall else ticks(t)),
         (lbl('event_loop_lag_seconds_bucket', dict(through_loop, le='1.0')),
          lambda t: None if T0 <= t < T0 + stall else ticks(t) - (1 if t >= T0 + stall else 0)),
         (lbl('probe_success', PROBE), lambda t: 0 if T0 <= t < T0 + stall else 1),
         (lbl('probe_duration_seconds', PROBE), lambda t: 1.0 if T0 <= t < T0 + stall else 0.002)],
        T0 + 900,
        expect=[('ScrapeThroughTheLoopFailing', [dict(THROUGH, severity='warning')], fire, T0 + stall + 120 + E + S),
                ('HealthProbeFailing', [dict(PROBE, severity='critical')], fire, None),
                ('HealthProbeSlow', [dict(PROBE, severity='warning')], fire, T0 + stall + 120 + E + S),
                ('EventLoopTickLate', [dict(through_loop, severity='warning')], T0 + stall + S + E + 60 + S, None)],
        silent=[('EventLoopStalled', [T0 + 120])]))

    out.append(Scenario(
        'A 10 s stall at t=5m: one blackbox probe fails, as one kubelet probe would (no restart). HealthProbeFailing '
        'stays silent; the slow probe is a warning.',
        [(lbl('probe_success', PROBE), lambda t: 0 if T0 <= t < T0 + S else 1),
         (lbl('probe_duration_seconds', PROBE), lambda t: 1.0 if T0 <= t < T0 + S else 0.002)],
        T0 + 600,
        expect=[('HealthProbeSlow', [dict(PROBE, severity='warning')], fire, T0 + S + 120 + E + S)],
        silent=[('HealthProbeFailing', [T0 + 120, T0 + 240])]))

    def crash(t):
        if t < T0 or t >= T0 + 600:
            return 1
        return 0 if (t - T0) % 60 < 40 else 1
    out.append(Scenario(
        'A crash loop from t=5m to t=15m: /health fails for 40 s (until the kubelet restarts the pod), then answers for '
        '20 s, again and again. The alert fires once and stays firing through the answers (keep_firing_for); it '
        'resolves 5 m after the last failure left the window.',
        [(lbl('probe_success', PROBE), crash)],
        T0 + 1500,
        expect=[('HealthProbeFailing', [dict(PROBE, severity='critical')], fire, T0 + 600 + 120 + 300 + 2 * E)]))

    out.append(Scenario(
        'Every worker busy with requests queued and refused from t=5m for 5 m (shape of the recorded run of '
        '2026-11-26 02:46:48 UTC, stretched), then drained: fires, then resolves at the first evaluation after the '
        'pool drained.',
        [(lbl('worker_pool_active_threads', HTTP), lambda t: 2 if T0 <= t < T0 + 300 else 0),
         (lbl('worker_pool_max_threads', HTTP), lambda t: 2),
         (lbl('worker_pool_queued_requests', HTTP), lambda t: 2 if T0 <= t < T0 + 300 else 0),
         (lbl('worker_pool_rejected_total', HTTP), lambda t: 0 if t < T0 else 4)],
        T0 + 900,
        expect=[('WorkerPoolSaturated', [dict(HTTP, severity='warning')], T0 + S + E + 120 + S,
                 T0 + 300 + S + E)]))

    out.append(Scenario(
        'A 1 m burst at t=5m that fills the pool and the queue: shorter than for: 2m, no alert.',
        [(lbl('worker_pool_active_threads', HTTP), lambda t: 2 if T0 <= t < T0 + 60 else 0),
         (lbl('worker_pool_max_threads', HTTP), lambda t: 2),
         (lbl('worker_pool_queued_requests', HTTP), lambda t: 2 if T0 <= t < T0 + 60 else 0),
         (lbl('worker_pool_rejected_total', HTTP), lambda t: 0)],
        T0 + 600,
        silent=[('WorkerPoolSaturated', [T0 + 60, T0 + 120, T0 + 180])]))

    out.append(Scenario(
        'A request that ignores interrupts from t=5m for 4 m (shape of the recorded run of 2026-11-26 03:50:15 UTC, at '
        'the default 90 s deadline), on servers that do not export worker_pool_request_deadline_seconds: the rule '
        'falls back to 90 s. A request of 80 s on a second server does not fire.',
        [(lbl('worker_pool_oldest_request_age_seconds', HTTP), lambda t: (t - T0) if T0 <= t < T0 + 240 else 0),
         (lbl('worker_pool_oldest_request_age_seconds', dict(HTTP, instance='10.0.0.8:9464')),
          lambda t: (t - T0) if T0 <= t < T0 + 80 else 0)],
        T0 + 600,
        expect=[('RequestStuckPastDeadline', [dict(HTTP, severity='critical')], T0 + 90 + S + E + 60 + S,
                 T0 + 240 + S + E)]))

    out.append(Scenario(
        'A consumer whose poll loop stops at t=5m (the naive consumer of the recorded run of 2026-11-26 02:55:45 UTC, '
        'at Kafka\'s default max.poll.interval.ms 300 s, and without the demo\'s config gauge): last-poll-seconds-ago '
        'climbs in whole seconds. It fires before the member is thrown out at +300 s; a healthy member (naive-2, '
        'polling every 2 s) never does.',
        [(lbl('kafka_consumer_last_poll_seconds_ago', CONS), lambda t: int(t - T0) if t >= T0 else int(t % 2)),
         (lbl('kafka_consumer_last_poll_seconds_ago', dict(CONS, client_id='naive-2')), lambda t: int(t % 2))],
        T0 + 400,
        expect=[('ConsumerPollGapPastHalfInterval', [dict(CONS, severity='critical')],
                 T0 + 150 + S + E + 60 + S if E == 30 else T0 + 300, None)]))

    out.append(Scenario(
        'From t=5m the poll thread of naive-1 waits in poll() 1 % of the time (every batch takes nearly all of it); '
        'naive-2 waits 60 % of the time.',
        [(lbl('kafka_consumer_poll_idle_ratio_avg', CONS), lambda t: 0.01 if t >= T0 else 0.6),
         (lbl('kafka_consumer_poll_idle_ratio_avg', dict(CONS, client_id='naive-2')), lambda t: 0.6)],
        T0 + 900,
        expect=[('ConsumerPollLoopBusy', [dict(CONS, severity='warning')], T0 + 600 + 2 * E + S, None)]))

    def member(events):
        return lambda t: 1 + sum(1 for r in events if t >= r)
    a = dict(CONS, instance='10.0.0.11:9464', client_id='c-1')
    b = dict(CONS, instance='10.0.0.12:9464', client_id='c-2')
    c = dict(CONS, instance='10.0.0.13:9464', client_id='c-3')
    a2, b2, c2 = dict(a, instance='10.0.0.21:9464'), dict(b, instance='10.0.0.22:9464'), dict(c, instance='10.0.0.23:9464')
    ev = [T0, T0 + 30, T0 + 60, T0 + 90, T0 + 120, T0 + 150]

    def until(end, f):
        return lambda t: f(t) if t < end else None

    def since(start, f):
        return lambda t: f(t) if t >= start else None
    out.append(Scenario(
        'A rolling restart of a 3-member group at t=5m: each member is replaced by a new pod (a new instance), 30 s '
        'apart; every leave and join is a rebalance for the members in the group (up to 4 for one process), the new '
        'processes count their first join, and 1-4 failed joins before it (measured). No alert, nothing critical.',
        [(lbl('kafka_consumer_coordinator_rebalance_total', a), until(T0, member([]))),
         (lbl('kafka_consumer_coordinator_rebalance_total', a2), since(T0 + 30, member(ev[2:]))),
         (lbl('kafka_consumer_coordinator_rebalance_total', b), until(T0 + 60, member(ev[:2]))),
         (lbl('kafka_consumer_coordinator_rebalance_total', b2), since(T0 + 90, member(ev[4:]))),
         (lbl('kafka_consumer_coordinator_rebalance_total', c), until(T0 + 120, member(ev[:4]))),
         (lbl('kafka_consumer_coordinator_rebalance_total', c2), since(T0 + 150, member([]))),
         (lbl('kafka_consumer_coordinator_failed_rebalance_total', c), until(T0 + 120, member(ev[:4]))),
         (lbl('kafka_consumer_coordinator_failed_rebalance_total', c2),
          since(T0 + 150, lambda t: 0 if t < T0 + 150 + S else 4))],
        T0 + 900,
        silent=[('ConsumerRebalancing', range(T0, T0 + 900, 120)), ('ConsumerRebalanceFailed', range(T0, T0 + 900, 120))]))

    storm = dict(CONS, client_id='naive-1')
    out.append(Scenario(
        'A member thrown out and rejoining every 60 s from t=5m (a poll loop starved at a 60 s max.poll.interval.ms): '
        'each rejoin is a rebalance and a failed one. A warning once more than 5 in 15 m.',
        [(lbl('kafka_consumer_coordinator_rebalance_total', storm),
          lambda t: 1 + (int((t - T0) // 60) + 1 if t >= T0 else 0)),
         (lbl('kafka_consumer_coordinator_failed_rebalance_total', storm),
          lambda t: 2 + (int((t - T0) // 60) + 1 if t >= T0 else 0))],
        T0 + 900,
        expect=[('ConsumerRebalancing', [dict(storm, severity='warning')], T0 + 360 + S + E + 60 + S, None),
                ('ConsumerRebalanceFailed', [dict(storm, severity='warning')], T0 + 360 + S + E + 60 + S, None)]))

    out.append(Scenario(
        'A worker stuck on one record from t=5m for 3 m (work that ignores interrupts), on a consumer that does not '
        'export consumer_record_deadline_seconds: the 30 s default applies.',
        [(lbl('consumer_oldest_in_flight_record_age_seconds', CONS), lambda t: (t - T0) if T0 <= t < T0 + 180 else 0)],
        T0 + 400,
        expect=[('RecordStuckPastDeadline', [dict(CONS, severity='critical')], T0 + 30 + S + E + 60 + S,
                 T0 + 180 + S + E)]))

    part = dict(LAG, partition='0')
    members = {'job': LAG['job'], 'instance': LAG['instance']}
    out.append(Scenario(
        'From the broker (kafka_exporter\'s names): group naive has 1 member and its lag on jobs-0 grows by 2 records '
        'a second from t=5m, its committed offset stuck at 500 (the naive consumer\'s kick loop: every commit fails). '
        'Group offload keeps up: its offset moves, its lag stays under 10.',
        [(lbl('kafka_consumergroup_lag', part), lambda t: 5 + 2 * (t - T0) if t >= T0 else 5),
         (lbl('kafka_consumergroup_current_offset', part), lambda t: 500 if t >= T0 else int(500 * t / T0)),
         (lbl('kafka_consumergroup_members', dict(members, consumergroup='naive')), lambda t: 1),
         (lbl('kafka_consumergroup_lag', dict(part, consumergroup='offload')), lambda t: int(t % 10)),
         (lbl('kafka_consumergroup_current_offset', dict(part, consumergroup='offload')), lambda t: 2 * t),
         (lbl('kafka_consumergroup_members', dict(members, consumergroup='offload')), lambda t: 1)],
        T0 + 1200,
        expect=[('ConsumerGroupLagGrowing', [{'consumergroup': 'naive', 'topic': 'jobs', 'severity': 'warning'}],
                 T0 + 300 + 2 * E + S, None),
                ('ConsumerGroupStalled',
                 [{'consumergroup': 'naive', 'topic': 'jobs', 'partition': '0', 'severity': 'critical'}],
                 T0 + 900 + 2 * E + S, None)]))

    out.append(Scenario(
        'A Prometheus that scrapes a Kafka consumer without the demo\'s config gauge, and nothing else: after 10 m the '
        'meta-alert names each missing input; the consumer\'s own series is not reported missing.',
        [(lbl('kafka_consumer_last_poll_seconds_ago', CONS), lambda t: 1)],
        900,
        expect=[('AlertInputMissing', [{'missing': m, 'severity': 'warning'} for m in
                                       ('consumer_max_poll_interval_seconds', 'event_loop_stall_seconds',
                                        'kafka_consumergroup_lag', 'probe_success')], 600 + 2 * E, None)]))
    return out


def dur(t):
    t = int(t)
    return '%dm%ds' % (t // 60, t % 60) if t % 60 else '%dm' % (t // 60)


def q(s):
    return "'" + s.replace("'", "''") + "'"


def header_lines(E):
    return ['evaluation_interval: %ds' % E if E < 60 else 'evaluation_interval: %dm' % (E // 60),
            'rule_files:', '  - alerts.yml', '', 'tests:']


def series_lines(sc, S):
    import textwrap
    lines = ['']
    for l in textwrap.wrap(sc.comment, 114):
        lines.append('  # ' + l)
    lines.append('  - interval: %ds' % S)
    lines.append('    input_series:')
    for name, f in sc.series:
        lines.append('      - series: ' + q(name))
        lines.append('        values: ' + q(sample(f, S, sc.until)))
    lines.append('    alert_rule_test:')
    return lines


def check_lines(t, alert, exp):
    lines = ['      - eval_time: ' + dur(t), '        alertname: ' + alert]
    if not exp:
        lines.append('        exp_alerts: []')
        return lines
    lines.append('        exp_alerts:')
    for labels, ann in exp:
        lines.append('          - exp_labels: {' + ', '.join('%s: %s' % (k, q(v)) for k, v in sorted(labels.items()) if k != 'alertname') + '}')
        lines.append('            exp_annotations:')
        for k, v in sorted(ann.items()):
            lines.append('              %s: %s' % (k, q(v)))
    return lines


def sweep(sc, S, E, alerts):
    """alert -> {time: [(labels, annotations)]} for every evaluation from 0 to until."""
    lines = header_lines(E) + series_lines(sc, S)
    for t in range(0, sc.until + 1, E):
        for a in alerts:
            lines += check_lines(t, a, [])
    open(ROOT + '.sweep.yml', 'w').write('\n'.join(lines) + '\n')
    out = subprocess.run(['promtool', 'test', 'rules', '.sweep.yml'], cwd=ROOT, capture_output=True, text=True)
    text = out.stdout + out.stderr
    got = {a: {} for a in alerts}
    for block in re.finditer(r'alertname: (\w+), time: (\S+?), \n\s+exp:\[\], \n\s+got:\[(.*?)\n\s+\]\n', text, re.S):
        alert, time, body = block.group(1), block.group(2), block.group(3)
        items = []
        for lab, ann in re.findall(r'Labels:\{(.*?)\}\n\s+Annotations:\{(.*?)\}(?:,|\n|$)', body + '\n', re.S):
            labels = {k: bytes(v, 'utf-8').decode('unicode_escape') for k, v in PAIR.findall(lab)}
            anns = {k: bytes(v, 'utf-8').decode('unicode_escape') for k, v in PAIR.findall(ann)}
            items.append((labels, anns))
        got[alert][parse_dur(time)] = items
    return got


def parse_dur(s):
    m = re.fullmatch(r'(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?', s)
    return int(m.group(1) or 0) * 3600 + int(m.group(2) or 0) * 60 + int(m.group(3) or 0)


PAIR = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')
problems = []


def render(S, E, header):
    lines = [header] + header_lines(E)
    for sc in scenarios(S, E):
        alerts = sorted({a for a in sc.expect} | {a for a, _ in sc.silent})
        got = sweep(sc, S, E, alerts)
        lines += series_lines(sc, S)
        checks = []
        for alert in sorted({a for a, _ in sc.silent}):
            fired = sorted(t for t, items in got[alert].items() if items)
            if fired:
                problems.append('%s/%s: %s fired at %s, should be silent (%s)' % (S, E, alert, dur(fired[0]), sc.comment[:60]))
            for t in sorted({t for a, t in sc.silent if a == alert}):
                checks.append((t, alert, []))
        for alert, (labels, fire_by, resolve_by) in sc.expect.items():
            times = sorted(got[alert])
            firing = [t for t in range(0, sc.until + 1, E) if got[alert].get(t)]
            if not firing:
                problems.append('%s/%s: %s never fired (%s)' % (S, E, alert, sc.comment[:60]))
                continue
            f = firing[0]
            want = sorted(tuple(sorted(l.items())) for l in [dict(x, alertname=alert) for x in labels])
            have = sorted(tuple(sorted(l.items())) for l, _ in got[alert][f])
            if want != have:
                problems.append('%s/%s: %s at %s fired for %s, expected %s' % (S, E, alert, dur(f), have, want))
            if f > fire_by:
                problems.append('%s/%s: %s fired at %s, later than %s' % (S, E, alert, dur(f), dur(fire_by)))
            checks.append((f - E, alert, got[alert].get(f - E, [])))
            checks.append((f, alert, got[alert][f]))
            r = next((t for t in range(f, sc.until + 1, E) if not got[alert].get(t)), None)
            print('%2d/%2d %-32s fires %s resolves %s  (%s)' % (S, E, alert, dur(f), r and dur(r), sc.comment[:50]))
            if resolve_by is not None:
                if r is None or r > resolve_by:
                    problems.append('%s/%s: %s resolved at %s, later than %s' % (S, E, alert, r and dur(r), dur(resolve_by)))
                else:
                    mid = f + ((r - f) // 2 // E) * E
                    if f < mid < r:
                        checks.append((mid, alert, got[alert][mid]))
                    checks.append((r - E, alert, got[alert][r - E]))
                    checks.append((r, alert, []))
        seen = set()
        checks = [c for c in checks if (c[0], c[1]) not in seen and not seen.add((c[0], c[1]))]
        for t, alert, exp in sorted(checks, key=lambda c: (c[1], c[0])):
            lines += check_lines(t, alert, exp)
    return '\n'.join(lines) + '\n'


def main():
    for S, E, name, header in [
        (15, 30, 'alerts.test.yml', HEADER % ('15 s', '30 s')),
        (30, 60, 'alerts.test-30s.yml', HEADER % ('30 s', '1 m')),
    ]:
        text = render(S, E, header)
        open(ROOT + name, 'w').write(text)
        out = subprocess.run(['promtool', 'test', 'rules', name], cwd=ROOT, capture_output=True, text=True)
        print(name, out.returncode, (out.stdout + out.stderr)[-3000:])
    import os
    os.remove(ROOT + '.sweep.yml')
    print('\n'.join(problems) or 'no problems')
    if problems:
        sys.exit(1)


HEADER = '''# Unit tests of alerts.yml at a %s scrape and a %s evaluation, run by `promtool test rules` (AlertRulesTest,
# inside mvn -B verify). Each test is a scenario in time, sampled at the scrape interval; the shapes come from the
# demos' recorded runs (the 1 s series of earlier versions of this file, named below) stretched to production scale:
# stalls of tens of seconds, Kafka's default max.poll.interval.ms of 300 s, a kubelet probing every 10 s. t=0 is the
# first sample; the trouble starts at t=5m so that every window has history. For each alert: a case long enough
# fires (by the worst-case lead time its description states), a short one does not, and it resolves.'''


if __name__ == '__main__':
    main()
