export { ApiClient, ApiError, api, errorFromResponse, API_TIMEOUT_MS, type RequestOptions } from './client';
export type * from './types';
