// Prometheus metrics for /metrics: process defaults plus an HTTP latency histogram by route.
import type { RequestHandler } from 'express';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';

export interface HttpMetrics {
  registry: Registry;
  recordHttp: RequestHandler;
  /** For requests served ahead of Express: `route` is the route pattern, as Express would label it. */
  observeHttp(labels: { method: string; route: string; status: number }, seconds: number): void;
}

export function createMetrics(): HttpMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by method, route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const recordHttp: RequestHandler = (req, res, next) => {
    const end = duration.startTimer();
    res.on('finish', () => {
      // The matched route pattern keeps label cardinality bounded; unmatched paths share one label.
      const route = (req.route as { path?: string } | undefined)?.path;
      end({ method: req.method, route: route ? `${req.baseUrl}${route}` : 'unmatched', status: String(res.statusCode) });
    });
    next();
  };
  const observeHttp: HttpMetrics['observeHttp'] = ({ method, route, status }, seconds) => duration.observe({ method, route, status: String(status) }, seconds);
  return { registry, recordHttp, observeHttp };
}
