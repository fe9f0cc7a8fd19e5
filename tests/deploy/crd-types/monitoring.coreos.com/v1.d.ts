// The part of the Prometheus Operator's API (monitoring.coreos.com/v1) that k8s/components/monitoring
// uses, written from the operator's API reference (ServiceMonitor, PrometheusRule) so that
// validate-k8s.mjs can type-check those objects like the built-in kinds: a misspelt or misplaced field
// is an excess property. A field the operator has but this file lacks must be added here before use.

import type { LabelSelector, ObjectMeta } from 'kubernetes-types/meta/v1';
import type { SecretKeySelector } from 'kubernetes-types/core/v1';

/** A Prometheus duration: "30s", "1m", "1h30m". */
export type Duration = string;

/** One relabeling step (Prometheus's relabel_config), applied to targets or to scraped samples. */
export interface RelabelConfig {
  sourceLabels?: string[];
  separator?: string;
  targetLabel?: string;
  regex?: string;
  modulus?: number;
  replacement?: string;
  action?:
    | 'replace' | 'Replace' | 'keep' | 'Keep' | 'drop' | 'Drop' | 'hashmod' | 'HashMod'
    | 'labelmap' | 'LabelMap' | 'labeldrop' | 'LabelDrop' | 'labelkeep' | 'LabelKeep'
    | 'lowercase' | 'Lowercase' | 'uppercase' | 'Uppercase' | 'keepequal' | 'KeepEqual'
    | 'dropequal' | 'DropEqual';
}

/** TLS settings for a scrape; the CA, certificate and key come from Secrets or ConfigMaps. */
export interface SafeTLSConfig {
  ca?: { secret?: SecretKeySelector; configMap?: { name: string; key: string; optional?: boolean } };
  cert?: { secret?: SecretKeySelector; configMap?: { name: string; key: string; optional?: boolean } };
  keySecret?: SecretKeySelector;
  serverName?: string;
  insecureSkipVerify?: boolean;
}

/** One scrapeable port of the selected Services' endpoints. */
export interface Endpoint {
  /** The name of a Service port (not a number); either this or targetPort. */
  port?: string;
  /** The pod's port, by number or name. */
  targetPort?: number | string;
  path?: string;
  scheme?: 'http' | 'https';
  params?: { [name: string]: string[] };
  interval?: Duration;
  scrapeTimeout?: Duration;
  honorLabels?: boolean;
  honorTimestamps?: boolean;
  trackTimestampsStaleness?: boolean;
  followRedirects?: boolean;
  enableHttp2?: boolean;
  filterRunning?: boolean;
  tlsConfig?: SafeTLSConfig;
  authorization?: { type?: string; credentials?: SecretKeySelector };
  basicAuth?: { username?: SecretKeySelector; password?: SecretKeySelector };
  relabelings?: RelabelConfig[];
  metricRelabelings?: RelabelConfig[];
  proxyUrl?: string;
}

export interface ServiceMonitorSpec {
  /** The Service label whose value becomes the `job` label. */
  jobLabel?: string;
  /** Service labels copied onto the targets. */
  targetLabels?: string[];
  /** Pod labels copied onto the targets. */
  podTargetLabels?: string[];
  endpoints: Endpoint[];
  /** Which Services; an empty selector selects every Service of the namespaces. */
  selector: LabelSelector;
  /** Where to look for the Services; by default the ServiceMonitor's own namespace. */
  namespaceSelector?: { any?: boolean; matchNames?: string[] };
  sampleLimit?: number;
  targetLimit?: number;
  labelLimit?: number;
  labelNameLengthLimit?: number;
  labelValueLengthLimit?: number;
  keepDroppedTargets?: number;
  attachMetadata?: { node?: boolean };
  scrapeProtocols?: Array<
    'PrometheusProto' | 'OpenMetricsText0.0.1' | 'OpenMetricsText1.0.0' | 'PrometheusText0.0.4' | 'PrometheusText1.0.0'
  >;
  scrapeClass?: string;
}

export interface ServiceMonitor {
  apiVersion: 'monitoring.coreos.com/v1';
  kind: 'ServiceMonitor';
  metadata: ObjectMeta;
  spec: ServiceMonitorSpec;
}

/** An alerting rule (alert) or a recording rule (record), as in a Prometheus rule file. */
export interface Rule {
  alert?: string;
  record?: string;
  expr: string | number;
  for?: Duration;
  keep_firing_for?: Duration;
  labels?: { [name: string]: string };
  annotations?: { [name: string]: string };
}

export interface RuleGroup {
  name: string;
  interval?: Duration;
  /** Alerts (or series) a rule may produce at most; 0 is no limit. */
  limit?: number;
  query_offset?: Duration;
  /** Thanos Ruler only. */
  partial_response_strategy?: string;
  rules: Rule[];
}

export interface PrometheusRule {
  apiVersion: 'monitoring.coreos.com/v1';
  kind: 'PrometheusRule';
  metadata: ObjectMeta;
  spec: { groups?: RuleGroup[] };
}
