// The part of the mariadb-operator's API (k8s.mariadb.com/v1alpha1) that k8s/overlays/prod/topologies/
// galera-operator uses, written from the operator's documented fields and examples so that
// validate-k8s.mjs can type-check those objects like the built-in kinds: a misspelt or misplaced field
// is an excess property. A field the operator has but this file lacks must be added here before use.

import type { ObjectMeta } from 'kubernetes-types/meta/v1';
import type { ResourceRequirements, SecretKeySelector } from 'kubernetes-types/core/v1';

/** A reference to a MariaDB resource in the same namespace. */
export interface MariaDbRef {
  name: string;
  namespace?: string;
}

/** A Secret key the operator reads (generate: let the operator create it when missing). */
export interface GeneratedSecretKeyRef extends SecretKeySelector {
  generate?: boolean;
}

export interface Galera {
  enabled: boolean;
  sst?: 'rsync' | 'mariabackup' | 'mysqldump';
  replicaThreads?: number;
  availableWhenDonor?: boolean;
  primary?: { podIndex?: number; automaticFailover?: boolean };
  recovery?: {
    enabled?: boolean;
    minClusterSize?: number | string;
    clusterMonitorInterval?: string;
    clusterHealthyTimeout?: string;
    clusterBootstrapTimeout?: string;
    podRecoveryTimeout?: string;
    podSyncTimeout?: string;
  };
}

export interface Storage {
  size?: string;
  storageClassName?: string;
  resizeInUseVolumes?: boolean;
  waitForVolumeResize?: boolean;
}

export interface MariaDBSpec {
  rootPasswordSecretKeyRef: GeneratedSecretKeyRef;
  image?: string;
  port?: number;
  replicas?: number;
  galera?: Galera;
  storage: Storage;
  myCnf?: string;
  resources?: ResourceRequirements;
  affinity?: { antiAffinityEnabled?: boolean };
  podDisruptionBudget?: { maxUnavailable?: number | string; minAvailable?: number | string };
  updateStrategy?: { type: 'ReplicasFirstPrimaryLast' | 'RollingUpdate' | 'OnDelete' | 'Never'; autoUpdateDataPlane?: boolean };
  metrics?: { enabled?: boolean };
}

export interface MariaDB {
  apiVersion: 'k8s.mariadb.com/v1alpha1';
  kind: 'MariaDB';
  metadata: ObjectMeta;
  spec: MariaDBSpec;
}

export interface Database {
  apiVersion: 'k8s.mariadb.com/v1alpha1';
  kind: 'Database';
  metadata: ObjectMeta;
  spec: {
    mariaDbRef: MariaDbRef;
    name?: string;
    characterSet?: string;
    collate?: string;
    requeueInterval?: string;
    retryInterval?: string;
  };
}

export interface User {
  apiVersion: 'k8s.mariadb.com/v1alpha1';
  kind: 'User';
  metadata: ObjectMeta;
  spec: {
    mariaDbRef: MariaDbRef;
    name?: string;
    passwordSecretKeyRef?: GeneratedSecretKeyRef;
    /** Immutable once created; the operator's default is 10. */
    maxUserConnections?: number;
    host?: string;
    requeueInterval?: string;
    retryInterval?: string;
  };
}

export interface Grant {
  apiVersion: 'k8s.mariadb.com/v1alpha1';
  kind: 'Grant';
  metadata: ObjectMeta;
  spec: {
    mariaDbRef: MariaDbRef;
    privileges: string[];
    database?: string;
    table?: string;
    username: string;
    host?: string;
    grantOption?: boolean;
    requeueInterval?: string;
    retryInterval?: string;
  };
}
