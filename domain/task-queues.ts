// Task-queue names shared by the worker, the API's Temporal client and the tests.
export const TASK_QUEUE = 'integration-platform';
