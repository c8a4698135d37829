import {
  type ListPushDeliveriesQuery,
  type PushDeliveryPage,
  type PushEndpointList,
  type RedeliverResult,
} from '@rox365/contracts';

import { http } from '../../api/http';

export function listPushEndpoints(): Promise<PushEndpointList> {
  return http.get<PushEndpointList>('/push/endpoints');
}

export function listPushDeliveries(
  endpointId: string,
  query: Partial<ListPushDeliveriesQuery>,
): Promise<PushDeliveryPage> {
  return http.get<PushDeliveryPage>(
    `/push/endpoints/${encodeURIComponent(endpointId)}/deliveries`,
    { query },
  );
}

export function redeliverPush(endpointId: string, deliveryId: string): Promise<RedeliverResult> {
  return http.post<RedeliverResult>(
    `/push/endpoints/${encodeURIComponent(endpointId)}/deliveries/${encodeURIComponent(deliveryId)}/redeliver`,
  );
}
