// Reading and writing our conventions on BPMN elements through bpmn-js commands (so undo/redo works):
// camunda:properties (lane role, mutu baku, SOP identity), camunda attributes, conditions, default flows.
import { getBusinessObject, is } from 'bpmn-js/lib/util/ModelUtil';

export function propertiesOf(bo) {
  const extension = bo && bo.get('extensionElements');
  return extension ? (extension.get('values') || []).find((v) => is(v, 'camunda:Properties')) : undefined;
}

export function getProperty(bo, name) {
  const properties = propertiesOf(bo);
  const found = properties && (properties.get('values') || []).find((p) => p.get('name') === name);
  return found ? (found.get('value') || '') : '';
}

function create(bpmnFactory, type, attrs, parent) {
  const element = bpmnFactory.create(type, attrs);
  element.$parent = parent;
  return element;
}

// Set one camunda:property of ``bo`` (the process of a pool, a lane, a task), creating the containers.
export function setProperty(injector, element, bo, name, value) {
  const bpmnFactory = injector.get('bpmnFactory');
  const commands = [];
  let extension = bo.get('extensionElements');
  if (!extension) {
    extension = create(bpmnFactory, 'bpmn:ExtensionElements', { values: [] }, bo);
    commands.push(update(element, bo, { extensionElements: extension }));
  }
  let properties = propertiesOf(bo);
  if (!properties) {
    properties = create(bpmnFactory, 'camunda:Properties', { values: [] }, extension);
    commands.push(update(element, extension, { values: [...(extension.get('values') || []), properties] }));
  }
  const existing = (properties.get('values') || []).find((p) => p.get('name') === name);
  if (existing) {
    commands.push(update(element, existing, { value }));
  } else {
    const property = create(bpmnFactory, 'camunda:Property', { name, value }, properties);
    commands.push(update(element, properties, { values: [...(properties.get('values') || []), property] }));
  }
  injector.get('commandStack').execute('properties-panel.multi-command-executor', commands);
}

function update(element, moddleElement, properties) {
  return { cmd: 'element.updateModdleProperties', context: { element, moddleElement, properties } };
}

export function setAttribute(injector, element, name, value) {
  injector.get('modeling').updateProperties(element, { [name]: value || undefined });
}

export function getCondition(element) {
  const condition = getBusinessObject(element).get('conditionExpression');
  return condition ? (condition.get('body') || '') : '';
}

// An empty condition removes the expression: the deploy check then names the flow.
export function setCondition(injector, element, value) {
  const text = (value || '').trim();
  const modeling = injector.get('modeling');
  if (!text) {
    modeling.updateProperties(element, { conditionExpression: undefined });
    return;
  }
  const expression = injector.get('bpmnFactory').create('bpmn:FormalExpression', { body: text });
  modeling.updateProperties(element, { conditionExpression: expression });
}

export function isDefaultFlow(element) {
  const source = element.source && getBusinessObject(element.source);
  return !!source && source.get('default') === getBusinessObject(element);
}

export function setDefaultFlow(injector, element, on) {
  const modeling = injector.get('modeling');
  modeling.updateProperties(element.source, { default: on ? getBusinessObject(element) : undefined });
}

// The process whose properties a selected pool (or the bare process) stands for.
export function processOf(element) {
  const bo = getBusinessObject(element);
  if (is(bo, 'bpmn:Participant')) { return bo.get('processRef'); }
  return is(bo, 'bpmn:Process') ? bo : undefined;
}
