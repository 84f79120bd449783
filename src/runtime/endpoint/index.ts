export {openEndpoint, EndpointModelHost, planRequest, type EndpointOptions} from './endpoint-host.js';
export {parseEndpointUrl, resolveApiKey, type EndpointUrl} from './url.js';
export {createGeneration} from './generation-stream.js';
