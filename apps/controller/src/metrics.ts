import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { FleetController } from '@eos/control-plane';

/** The controller's Prometheus registry; gauges are read from the fleet at scrape time. */
export function controllerMetrics(fleet: FleetController): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'eos_controller_' });
  const snap = () => fleet.metricsSnapshot();
  new Gauge({
    name: 'eos_controller_workers',
    help: 'Workers by state',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [state, n] of Object.entries(snap().workers)) this.set({ state }, n);
    },
  });
  new Gauge({
    name: 'eos_controller_tasks',
    help: 'Tasks by state',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [state, n] of Object.entries(snap().tasks)) this.set({ state }, n);
    },
  });
  new Gauge({
    name: 'eos_controller_pipelines',
    help: 'Pipelines by state',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [state, n] of Object.entries(snap().pipelines)) this.set({ state }, n);
    },
  });
  new Gauge({
    name: 'eos_controller_records_committed',
    help: 'Input records committed, as reported by workers since this controller started',
    registers: [registry],
    collect() {
      this.set(snap().recordsCommitted);
    },
  });
  new Gauge({
    name: 'eos_controller_epoch',
    help: 'Assignment epoch',
    registers: [registry],
    collect() {
      this.set(snap().epoch);
    },
  });
  new Gauge({
    name: 'eos_controller_rollouts_active',
    help: 'Rollouts not finished',
    registers: [registry],
    collect() {
      this.set(snap().activeRollouts);
    },
  });
  new Counter({
    name: 'eos_controller_heartbeats_total',
    help: 'Worker heartbeats accepted (a commit report counts as one) since this controller started',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(snap().heartbeats);
    },
  });
  return registry;
}
