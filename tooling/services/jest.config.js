import { jestConfig } from '../config/jest-preset.js';

export default jestConfig({ displayName: '@eventsource/services' });
