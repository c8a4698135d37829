import { afterEach, describe, expect, it, vi } from 'vitest';

import { buildProbeResult } from '../../../test/factories';
import { mountInApp } from '../../../test/mount';
import { freshPinia } from '../../../test/pinia';
import { suiteLocalApi } from '../../../test/suite';
import AccessPolicyView from './AccessPolicyView.vue';

const result = (roxUserId: string) => buildProbeResult(roxUserId, '2026-11-28T09:00:00.000Z');

describe('access policy view', () => {
  const api = suiteLocalApi();
  afterEach(() => {
    document.body.innerHTML = '';
  });

  it('shows the members past the first page with "Load more members"', async () => {
    api.on('GET /orgwide/probes', (req) =>
      req.query.get('cursor') === 'after-alex'
        ? { body: { items: [result('joni')], nextCursor: null } }
        : { body: { items: [result('alex')], nextCursor: 'after-alex' } },
    );
    const wrapper = await mountInApp(AccessPolicyView, freshPinia());
    await vi.waitFor(() =>
      expect(wrapper.findAll('[data-testid="probe-table"] tbody tr')).toHaveLength(1),
    );
    const more = () => wrapper.findAll('button').find((b) => b.text() === 'Load more members');

    await more()?.trigger('click');
    await vi.waitFor(() =>
      expect(
        wrapper
          .findAll('[data-testid="probe-table"] tbody tr')
          .map((r) => r.attributes('data-member')),
      ).toEqual(['alex@contoso.com', 'joni@contoso.com']),
    );
    // The last page: nothing more to load.
    expect(more()).toBeUndefined();
    expect(wrapper.find('[aria-label="Re-test joni@contoso.com"]').exists()).toBe(true);
  });
});
