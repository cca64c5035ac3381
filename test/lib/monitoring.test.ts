import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { describe, expect, it } from 'vitest';
import { OPERATIONAL_METRICS, SPAM_VERDICTS } from '../../functions/app/operational-metrics.ts';
import { GraywallFunction } from '../../lib/constructs/graywall-function.ts';
import { Monitoring } from '../../lib/constructs/monitoring.ts';
import { StageQueue } from '../../lib/constructs/pipeline.ts';
import { buildStack, fastApp, logicalId } from '../support/cdk-stack.ts';

const { stack, template } = buildStack();
const { pipeline, monitoring } = stack;
const id = (construct: Parameters<typeof logicalId>[1]) => logicalId(stack, construct);
const alarmTopic = { Ref: id(pipeline.alarmTopic) };
const stages = [
  ['scan', pipeline.scanFunction, pipeline.inbound],
  ['graymail', pipeline.graymailFunction, pipeline.graymail],
  ['action', pipeline.actionFunction, pipeline.action],
] as const;

type Widget = { type: string; properties: Record<string, unknown> };
type MetricLine = Array<string | Record<string, unknown>>;

/**
 * The dashboard body as JSON. CloudFormation builds it with Fn::Join; references become
 * readable placeholders (`Ref:Id`, `GetAtt:Id.Attr`) so the JSON parses.
 */
function dashboardWidgets(t: Template): Widget[] {
  const dashboards = Object.values(t.findResources('AWS::CloudWatch::Dashboard'));
  expect(dashboards).toHaveLength(1);
  const [, parts] = (dashboards[0]?.Properties.DashboardBody['Fn::Join'] ?? ['', []]) as [string, unknown[]];
  const text = parts
    .map((part) => {
      if (typeof part === 'string') return part;
      const token = part as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
      if (token.Ref) return `Ref:${token.Ref}`;
      if (token['Fn::GetAtt']) return `GetAtt:${token['Fn::GetAtt'].join('.')}`;
      throw new Error(`unexpected token in the dashboard body: ${JSON.stringify(part)}`);
    })
    .join('');
  return (JSON.parse(text) as { widgets: Widget[] }).widgets;
}

const widgets = dashboardWidgets(template);
const graph = (title: string): Widget => {
  const found = widgets.find((widget) => widget.properties.title === title);
  if (!found) throw new Error(`no widget titled ${title}`);
  return found;
};
const linesOf = (widget: Widget): MetricLine[] => widget.properties.metrics as MetricLine[];
/** A metric line as `Namespace/Name {Dim=Value,...} stat`. */
const describeLine = (line: MetricLine): string => {
  const [namespace, name, ...rest] = line;
  const options = (typeof rest.at(-1) === 'object' ? rest.pop() : {}) as { stat?: string };
  const dims: string[] = [];
  for (let i = 0; i < rest.length; i += 2) dims.push(`${rest[i]}=${rest[i + 1]}`);
  return `${namespace}/${name} {${dims.join(',')}} ${options.stat ?? ''}`.trim();
};
const describeWidget = (title: string) => linesOf(graph(title)).map(describeLine);

describe('the monitoring alarms', () => {
  it.each(stages)('alarms on any error of the %s stage function within 5 minutes', (_stage, fn) => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: id(fn.function) } }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
      AlarmActions: [alarmTopic],
      OKActions: [alarmTopic],
      AlarmDescription: Match.stringLikeRegexp(`the ${_stage} stage function failed`),
    });
  });

  it.each(stages)(
    'alarms when records of the %s stage fail in each of three 5-minute periods (partial batch failures raise no Errors)',
    (stage) => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'Graywall',
        MetricName: 'StageFailures',
        Dimensions: [{ Name: 'Stage', Value: stage }],
        Statistic: 'Sum',
        Period: 300,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 3,
        DatapointsToAlarm: 3,
        TreatMissingData: 'notBreaching',
        AlarmActions: [alarmTopic],
        OKActions: [alarmTopic],
        AlarmDescription: Match.stringLikeRegexp(
          `records of the ${stage} stage failed in every 5 minutes for 15 minutes`,
        ),
      });
    },
  );

  it('alarms when at least half the deliveries fail or are refused in each of three 5-minute periods', () => {
    // A refusal for good is not retried: no stage failure, no dead letter, only this.
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).filter((alarm) =>
      /at least half of the deliveries failed or were refused/.test(alarm.Properties.AlarmDescription),
    );
    expect(alarms).toHaveLength(1);
    const props = alarms[0]?.Properties;
    expect(props).toMatchObject({
      Threshold: 0.5,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      TreatMissingData: 'notBreaching',
      AlarmActions: [alarmTopic],
      OKActions: [alarmTopic],
    });
    const metrics = props.Metrics as Array<{
      Id: string;
      Expression?: string;
      MetricStat?: { Metric: { MetricName: string; Dimensions: unknown }; Period: number; Stat: string };
    }>;
    expect(metrics.find((m) => m.Expression)?.Expression).toBe('IF(d + f > 0, f / (d + f), 0)');
    for (const [id, name] of [
      ['d', 'Delivered'],
      ['f', 'DeliveryFailures'],
    ]) {
      expect(metrics.find((m) => m.Id === id)?.MetricStat).toMatchObject({
        Metric: { MetricName: name, Dimensions: [{ Name: 'Stage', Value: 'action' }] },
        Period: 300,
        Stat: 'Sum',
      });
    }
  });

  it('alarms when the p99 scan time of a message stays above 10 s for three 5-minute periods', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'Graywall',
      MetricName: 'ScanDurationMs',
      Dimensions: [{ Name: 'Stage', Value: 'scan' }],
      ExtendedStatistic: 'p99',
      Period: 300,
      Threshold: 10_000,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      TreatMissingData: 'notBreaching',
      AlarmActions: [alarmTopic],
      OKActions: [alarmTopic],
    });
  });

  it('keeps the queue alarms (dead letters, their age and waiting age), and every alarm notifies the one alarm topic', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms.filter((alarm) => alarm.Properties.Namespace === 'AWS/SQS')).toHaveLength(9);
    for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toEqual([alarmTopic]);
  });
});

describe('the dashboard', () => {
  it('has a header, the alarm status and the graphs, in this order', () => {
    expect(widgets.map((widget) => widget.properties.title ?? widget.type)).toEqual([
      'text',
      'Alarms',
      'Stage throughput (records processed)',
      'Stage failures and dead-lettered records',
      'Dead-letter queue depth',
      'Scan latency per message (ms)',
      'Stage time per record, p99 (ms)',
      'Queue backlog',
      'Verdict mix (messages scanned)',
      'Deliveries vs quarantines (recipients)',
      'Unsubscribe and digest outcomes',
      'Lambda errors',
      'Lambda throttles',
      'Lambda duration, p99 (ms)',
    ]);
  });

  it('shows the state of every alarm: dead letters, digest failures, stage errors, scan latency', () => {
    const alarms = template.findResources('AWS::CloudWatch::Alarm');
    expect([...(graph('Alarms').properties.alarms as string[])].sort()).toEqual(
      Object.keys(alarms)
        .map((logical) => `GetAtt:${logical}.Arn`)
        .sort(),
    );
  });

  it('graphs stage throughput, failures and dead letters per stage', () => {
    expect(describeWidget('Stage throughput (records processed)')).toEqual([
      'Graywall/MessagesProcessed {Stage=scan} Sum',
      'Graywall/MessagesProcessed {Stage=graymail} Sum',
      'Graywall/MessagesProcessed {Stage=action} Sum',
    ]);
    expect(describeWidget('Stage failures and dead-lettered records')).toEqual([
      'Graywall/StageFailures {Stage=scan} Sum',
      'Graywall/StageFailures {Stage=graymail} Sum',
      'Graywall/StageFailures {Stage=action} Sum',
      'Graywall/DeadLettered {Stage=scan} Sum',
      'Graywall/DeadLettered {Stage=graymail} Sum',
      'Graywall/DeadLettered {Stage=action} Sum',
    ]);
  });

  it('graphs the depth of each dead-letter queue', () => {
    expect(describeWidget('Dead-letter queue depth')).toEqual(
      stages.map(
        ([, , queue]) =>
          `AWS/SQS/ApproximateNumberOfMessagesVisible {QueueName=GetAtt:${id(queue.deadLetterQueue)}.QueueName} Maximum`,
      ),
    );
  });

  it('graphs scan latency p50 and p99 with the alarm threshold drawn in', () => {
    const latency = graph('Scan latency per message (ms)');
    expect(linesOf(latency).map(describeLine)).toEqual([
      'Graywall/ScanDurationMs {Stage=scan} p50',
      'Graywall/ScanDurationMs {Stage=scan} p99',
    ]);
    expect(latency.properties.annotations).toEqual({
      horizontal: [expect.objectContaining({ value: 10_000, yAxis: 'left' })],
    });
  });

  it('graphs the verdict mix stacked, one line per verdict', () => {
    const mix = graph('Verdict mix (messages scanned)');
    expect(mix.properties.stacked).toBe(true);
    expect(linesOf(mix).map(describeLine)).toEqual(
      SPAM_VERDICTS.map((verdict) => `Graywall/Verdicts {Stage=scan,Verdict=${verdict}} Sum`),
    );
  });

  it('graphs deliveries against quarantines, drops, bounces and failures, and releases', () => {
    expect(describeWidget('Deliveries vs quarantines (recipients)')).toEqual([
      'Graywall/Delivered {Stage=action} Sum',
      'Graywall/Quarantined {Stage=action} Sum',
      'Graywall/Dropped {Stage=action} Sum',
      'Graywall/Bounced {Stage=action} Sum',
      'Graywall/DeliveryFailures {Stage=action} Sum',
      'Graywall/Delivered {Stage=release} Sum',
    ]);
  });

  it('graphs unsubscribe and digest outcomes', () => {
    expect(describeWidget('Unsubscribe and digest outcomes')).toEqual([
      'Graywall/Attempts {Job=unsubscribe} Sum',
      'Graywall/Succeeded {Job=unsubscribe} Sum',
      'Graywall/Failed {Job=unsubscribe} Sum',
      'Graywall/Refused {Job=unsubscribe} Sum',
      'Graywall/Attempts {Job=digest} Sum',
      'Graywall/DigestsSent {Job=digest} Sum',
      'Graywall/Failed {Job=digest} Sum',
    ]);
  });

  it('asks only for catalogued metrics, each with exactly the dimensions the functions emit it with', () => {
    const custom = widgets
      .filter((widget) => widget.type === 'metric')
      .flatMap((widget) => [
        ...linesOf(widget),
        ...((widget.properties.right as MetricLine[] | undefined) ?? []),
      ])
      .filter((line) => line[0] === 'Graywall');
    expect(custom.length).toBeGreaterThan(20);
    for (const line of custom) {
      const name = line[1] as keyof typeof OPERATIONAL_METRICS;
      expect(OPERATIONAL_METRICS[name], String(name)).toBeDefined();
      const dimensions = line.slice(2).filter((_, index, rest) => index % 2 === 0 && index < rest.length - 1);
      expect([...dimensions].sort(), describeLine(line)).toEqual(
        [...OPERATIONAL_METRICS[name].dimensions].sort(),
      );
    }
  });

  it('graphs errors, throttles and p99 duration of every Graywall function', () => {
    const functions = stack.node
      .findAll()
      .filter((construct): construct is GraywallFunction => construct instanceof GraywallFunction);
    expect(functions.length).toBeGreaterThanOrEqual(7);
    const expected = (metric: string, stat: string) =>
      functions.map((fn) => `AWS/Lambda/${metric} {FunctionName=Ref:${id(fn.function)}} ${stat}`);
    expect(describeWidget('Lambda errors')).toEqual(expected('Errors', 'Sum'));
    expect(describeWidget('Lambda throttles')).toEqual(expected('Throttles', 'Sum'));
    expect(describeWidget('Lambda duration, p99 (ms)')).toEqual(expected('Duration', 'p99'));
    // Each line is labelled with the function's place in the stack.
    expect(linesOf(graph('Lambda errors'))[0]?.at(-1)).toMatchObject({ label: 'Pipeline/Scan' });
  });

  it('is named in the stack outputs, with its console address', () => {
    const outputs = template.toJSON().Outputs;
    expect(outputs.DashboardName.Value).toEqual({ Ref: id(monitoring.dashboard) });
    expect(outputs.DashboardUrl.Value).toEqual({
      'Fn::Join': [
        '',
        [
          'https://',
          { Ref: 'AWS::Region' },
          '.console.aws.amazon.com/cloudwatch/home?region=',
          { Ref: 'AWS::Region' },
          '#dashboards/dashboard/',
          { Ref: id(monitoring.dashboard) },
        ],
      ],
    });
  });
});

describe('the Monitoring construct on its own', () => {
  it('takes its own latency threshold, periods and dashboard name', () => {
    // Prepare: a bare stack with one stage.
    const bare = new Stack(fastApp(), 'Bare');
    const topic = new Topic(bare, 'Topic');
    const queue = new StageQueue(bare, 'Queue', {
      stage: 'scan',
      visibilityTimeout: Duration.minutes(6),
      maxReceiveCount: 3,
      alarmTopic: topic,
    });
    const fn = LambdaFunction.fromFunctionName(bare, 'Scan', 'graywall-scan');
    // Act
    new Monitoring(bare, 'Monitoring', {
      stages: [{ stage: 'scan', function: fn, queue }],
      functions: { scan: fn },
      alarmTopic: topic,
      scanLatencyThreshold: Duration.seconds(5),
      scanLatencyPeriods: 2,
      period: Duration.minutes(1),
      dashboardName: 'graywall-ops',
    });
    // Assess
    const t = Template.fromStack(bare);
    t.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'graywall-ops' });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ScanDurationMs',
      Period: 60,
      Threshold: 5000,
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Period: 60,
      AlarmDescription: Match.stringLikeRegexp('in the last 1 minute\\.'),
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'StageFailures',
      Period: 60,
      AlarmDescription: Match.stringLikeRegexp('in every 1 minute for 3 minutes\\.'),
    });
    // One stage error, one stage failing, deliveries failing and the latency alarm, besides the
    // queue's own three.
    t.resourceCountIs('AWS::CloudWatch::Alarm', 7);
  });
});
