import { httpApiForPage } from '../../../renderer/api/httpApi';

// A stand-in page for the browser test: the real transport, created as the renderer will.
(window as unknown as { fp4lab: unknown }).fp4lab = httpApiForPage();
document.body.dataset.ready = 'yes';
