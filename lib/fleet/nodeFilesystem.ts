/**
 * A storage site's filesystem as node_exporter on that server reports it through Prometheus: how
 * remote sites get a capacity (borg serve cannot tell free space). Used by the collector (remote sites)
 * and by the Prometheus fleet source.
 */
import { type InstantSample, type PrometheusClient, promString } from "./prometheusClient";

export interface FilesystemSelector {
  instance: string;
  mountpoint: string;
}

export async function queryFilesystem(
  client: PrometheusClient,
  fs: FilesystemSelector,
): Promise<{ size: InstantSample | undefined; avail: InstantSample | undefined }> {
  const selector = `{instance=${promString(fs.instance)},mountpoint=${promString(fs.mountpoint)}}`;
  const [size, avail] = await Promise.all([
    client.query(`max(node_filesystem_size_bytes${selector})`),
    client.query(`max(node_filesystem_avail_bytes${selector})`),
  ]);
  return { size: size[0], avail: avail[0] };
}
