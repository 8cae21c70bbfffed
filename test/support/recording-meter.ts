/**
 * A Temporal `MetricMeter` that records what is counted and measured, for unit tests of the code
 * that records metrics (that code is under test, not the SDK's meter; a live scrape of the real
 * meter is in test/integration/worker-observability.test.ts).
 */
import type {
  MetricCounter,
  MetricGauge,
  MetricHistogram,
  MetricMeter,
  MetricTags,
  NumericMetricValueType,
} from '@temporalio/common';

export interface Recorded {
  name: string;
  kind: 'counter' | 'histogram';
  value: number;
  tags: MetricTags;
}

export class RecordingMeter implements MetricMeter {
  readonly recorded: Recorded[] = [];

  createCounter(name: string, unit?: string, description?: string): MetricCounter {
    const counter: MetricCounter = {
      name,
      unit,
      description,
      kind: 'counter',
      valueType: 'int',
      add: (value, tags = {}) => void this.recorded.push({ name, kind: 'counter', value, tags }),
      withTags: () => counter,
    };
    return counter;
  }

  createHistogram(
    name: string,
    valueType: NumericMetricValueType = 'int',
    unit?: string,
    description?: string,
  ): MetricHistogram {
    const histogram: MetricHistogram = {
      name,
      unit,
      description,
      kind: 'histogram',
      valueType,
      record: (value, tags = {}) => void this.recorded.push({ name, kind: 'histogram', value, tags }),
      withTags: () => histogram,
    };
    return histogram;
  }

  createGauge(): MetricGauge {
    throw new Error('no gauge is recorded by the project');
  }

  withTags(): MetricMeter {
    return this;
  }

  /** The tags of every addition of 1 or more to a counter, in order (additions of 0 only make a series exist). */
  counted(name: string): MetricTags[] {
    return this.recorded
      .filter((entry) => entry.kind === 'counter' && entry.name === name && entry.value > 0)
      .map((entry) => entry.tags);
  }
}
