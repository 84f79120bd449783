export {startServer, type ServeOptions, type RunningServer} from './server.js';
export {ServeMetrics} from './metrics.js';
