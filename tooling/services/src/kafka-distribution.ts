import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pinnedVersions } from './pinned-versions.ts';
import { findExecutable, runCommand } from './run-command.ts';
import { displayPath } from './service-paths.ts';

const dependencyPlugin = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1';

/** A pom whose runtime dependencies are exactly the broker's class path. */
function runtimePom(): string {
  const dependency = (groupId: string, artifactId: string, version: string): string =>
    `    <dependency><groupId>${groupId}</groupId><artifactId>${artifactId}</artifactId><version>${version}</version></dependency>`;
  return [
    '<project xmlns="http://maven.apache.org/POM/4.0.0">',
    '  <modelVersion>4.0.0</modelVersion>',
    '  <groupId>local.eventsource.services</groupId>',
    '  <artifactId>kafka-runtime</artifactId>',
    `  <version>${pinnedVersions.kafka}</version>`,
    '  <packaging>pom</packaging>',
    '  <dependencies>',
    dependency('org.apache.kafka', 'kafka_2.13', pinnedVersions.kafka),
    dependency('org.apache.logging.log4j', 'log4j-slf4j-impl', pinnedVersions.log4jSlf4jBinding),
    '  </dependencies>',
    '</project>',
    '',
  ].join('\n');
}

export function kafkaDistributionDirectory(cacheDirectory: string): string {
  return join(cacheDirectory, `kafka-${pinnedVersions.kafka}`);
}

/**
 * The directory of jars that runs the pinned Kafka broker: `org.apache.kafka:kafka_2.13` and its
 * runtime dependencies from Maven Central, fetched once with Maven into the cache (its own local
 * repository, so `~/.m2` is neither needed nor touched). A `complete` marker is written last, so
 * an interrupted fetch is redone rather than half-used.
 */
export async function ensureKafkaJars(
  cacheDirectory: string,
  logFile: string,
  report: (message: string) => void,
): Promise<string> {
  const directory = kafkaDistributionDirectory(cacheDirectory);
  const libraries = join(directory, 'libs');
  const marker = join(directory, 'complete');
  if (
    await stat(marker).then(
      () => true,
      () => false,
    )
  )
    return libraries;

  const maven = await findExecutable('mvn');
  if (maven === undefined) throw new Error('Maven (mvn) is needed once to fetch the Kafka jars');
  report(
    `fetching Kafka ${pinnedVersions.kafka} jars from Maven Central (first run only; log: ${displayPath(logFile)})`,
  );
  const work = join(directory, 'fetch');
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  await writeFile(join(work, 'pom.xml'), runtimePom());
  const result = await runCommand(
    maven,
    [
      '--batch-mode',
      '--no-transfer-progress',
      `-Dmaven.repo.local=${join(cacheDirectory, 'maven-repository')}`,
      '--file',
      join(work, 'pom.xml'),
      `${dependencyPlugin}:copy-dependencies`,
      `-DoutputDirectory=${join(work, 'libs')}`,
      '-DincludeScope=runtime',
    ],
    { cwd: work, logFile, timeoutMs: 15 * 60_000 },
  );
  if (result.exitCode !== 0) throw new Error(`mvn copy-dependencies failed (exit ${result.exitCode})`);
  await rm(libraries, { recursive: true, force: true });
  await rename(join(work, 'libs'), libraries);
  await rm(work, { recursive: true, force: true });
  await writeFile(marker, `${new Date().toISOString()}\n`);
  return libraries;
}
