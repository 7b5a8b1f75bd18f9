import { jestConfig } from '../../tooling/config/jest-preset.js';

export default jestConfig({ displayName: '@eventsource/bus-rabbitmq' });
